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
            out << path << ": complete, nothing spooled";
        } else {
            out << path << ": " << recovered->frames << " spooled frames (" << recovered->batches
                << " batches) written as rows";
        }
        if (recovered->cut_bytes > 0) {
            out << "; the last " << recovered->cut_bytes
                << " bytes of the spool, a batch the crash cut short, were dropped";
        }
        out << '\n';
    }
    return status;
}

}  // namespace amqpprox::analyze
