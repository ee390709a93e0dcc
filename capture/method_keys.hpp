// The indexed arguments of a method frame (exchange, routing key, queue, consumer tag,
// delivery tag), read on the producer's thread without building the method: the busy
// methods (publish, deliver, ack, ...) are read in place, as views into the payload.
#pragma once

#include "formats/amqp/bytes.hpp"
#include "frame_row.hpp"
#include "record.hpp"

namespace amqpprox::capture {

// Sets row.method and the arguments `payload` has, exactly as decoding the method and
// extract_indexed_arguments() would: none when the payload does not decode. The names view
// `payload`, or `spill` for the methods with a field table (declares, binds, consume: rare),
// which are decoded whole. Connection methods are left to the writer thread (it learns
// the session's facts from them and redacts them); they have none of these arguments.
void read_method_keys(amqp::ByteView payload, FrameRow& row, Record& spill);

}  // namespace amqpprox::capture
