// `amqp-analyze info`: what a capture file holds: format, producer, policies, sessions,
// frames, time span and gaps.
#pragma once

#include <iosfwd>
#include <string>

namespace amqpprox::analyze {

struct InfoOptions {
    bool json = false;
};

// Exit status: 0 the file was described, 2 it is not a readable capture (reported on err).
int print_info(const std::string& path, std::ostream& out, std::ostream& err,
               const InfoOptions& options);

}  // namespace amqpprox::analyze
