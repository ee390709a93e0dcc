// Fuzzes the spool's batch decoder, which reads what a killed proxy left in a capture file.
// Oracle besides "no crash, no sanitizer report": a blob that decodes encodes back to the
// same bytes (the layout has one spelling per batch), and its events lie among its frames.
#include <cstdint>
#include <cstdlib>

#include "capture/spool_codec.hpp"

using namespace amqpprox;
using namespace amqpprox::capture;

namespace {

void check(bool condition) {
    if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const amqp::ByteView input(reinterpret_cast<const std::byte*>(data), size);
    Batch batch;
    if (!decode_batch(input, batch)) return 0;
    for (const auto& [before, event] : batch.events)
        check(before <= batch.frames.size());
    amqp::Bytes again;
    encode_batch(batch, again);
    check(again.size() == size &&
          std::equal(again.begin(), again.end(), reinterpret_cast<const std::byte*>(data)));
    return 0;
}
