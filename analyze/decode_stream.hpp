// `amqp-analyze decode`: prints every frame of a raw AMQP byte stream (one direction of a
// connection, as written by a TCP follow or a recording relay), one line per frame.
#pragma once

#include <cstddef>
#include <iosfwd>

namespace amqpprox::analyze {

struct DecodeOptions {
    bool json = false;             // one JSON object per line instead of text
    bool show_secrets = false;     // print SASL passwords in clear
    std::size_t body_preview = 0;  // printable bytes of each body to show
};

// Exit status: 0 every frame decoded, 2 the stream holds a malformed frame (reported on err).
int decode_stream(std::istream& in, std::ostream& out, std::ostream& err,
                  const DecodeOptions& options);

}  // namespace amqpprox::analyze
