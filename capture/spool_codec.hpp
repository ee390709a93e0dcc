// A batch as one blob, for the capture file's spool: what the writer keeps, cheaply, while
// traffic is heavy, and turns into rows once it is quiet (or a recovery does, after a crash).
// Decoding is bounds checked: a damaged blob is an error, never a crash.
#pragma once

#include <string>

#include <tl/expected.hpp>

#include "batch.hpp"
#include "formats/amqp/bytes.hpp"

namespace amqpprox::capture {

// Appends `batch` (its flush requests left out) to `out`.
void encode_batch(const Batch& batch, amqp::Bytes& out);

// Replaces `out`'s contents with the batch in `blob`; its frames view out.bytes.
tl::expected<void, std::string> decode_batch(amqp::ByteView blob, Batch& out);

}  // namespace amqpprox::capture
