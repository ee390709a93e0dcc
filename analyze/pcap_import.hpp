// `amqp-analyze import PCAP -o CAPTURE`: a packet capture's AMQP sessions into a capture file,
// with a summary of what was found and what was missing.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace amqpprox::analyze {

struct ImportOptions {
    std::string input;                 // pcap, pcapng or gzip of one; "-" for stdin
    std::string output;                // the capture to create
    std::vector<std::uint16_t> ports;  // AMQP ports besides 5672 and 5671
};

// Exit status: 0 imported, 1 no AMQP session in the file, 2 the file could not be read (or
// was cut short: the capture then holds what came before) or the output exists.
int run_import(const ImportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace amqpprox::analyze
