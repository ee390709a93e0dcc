// `amqp-analyze info`: what a capture file holds: format, producer, policies, sessions,
// frames, time span and gaps. A pcap or pcapng file is described by what its import would
// hold, with the packet counts of that import.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace amqpprox::analyze {

struct InfoOptions {
    bool json = false;
    std::vector<std::uint16_t> ports;  // AMQP ports in pcaps, besides 5672 and 5671
};

// Exit status: 0 the file was described, 2 it is neither a readable capture nor a readable
// packet capture (reported on err).
int print_info(const std::string& path, std::ostream& out, std::ostream& err,
               const InfoOptions& options);

}  // namespace amqpprox::analyze
