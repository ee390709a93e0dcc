#include "recover.hpp"

#include <ostream>

#include "capture/spool_recovery.hpp"
#include "output_format.hpp"

namespace amqpprox::analyze {

int recover_captures(const std::vector<std::string>& paths, std::ostream& out, std::ostream& err) {
    int status = kExitOk;
    for (const auto& path : paths) {
        const auto recovered = capture::recover_spool(path);
        if (!recovered) {
            err << "amqp-analyze: " << recovered.error() << '\n';
            status = kExitBadInput;
            continue;
        }
        if (recovered->batches == 0) {
            out << path << ": complete, nothing spooled\n";
        } else {
            out << path << ": " << recovered->frames << " spooled frames (" << recovered->batches
                << " batches) written as rows\n";
        }
    }
    return status;
}

}  // namespace amqpprox::analyze
