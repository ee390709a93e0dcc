// `amqp-analyze export CAPTURE... -o OUT.pcap`: the selected sessions as a pcap that Wireshark
// and tshark dissect as AMQP: each session one TCP connection (handshake, one segment per
// frame with sequence numbers that add up, FIN at its end), at the recorded timestamps.
#pragma once

#include <iosfwd>
#include <string>

#include "inputs.hpp"

namespace amqpprox::analyze {

// Exit status: 0 written, 1 no session matched, 2 the file could not be written. Bodies the
// capture cut short are padded with zero bytes to their wire size (so the framing holds) and
// counted on `err`; gaps become holes in the sequence numbers, as a lossy capture shows them.
int export_pcap(const InputSet& inputs, const Selection& selection, const std::string& path,
                std::ostream& out, std::ostream& err);

}  // namespace amqpprox::analyze
