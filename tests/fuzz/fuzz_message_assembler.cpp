// Fuzzes the analyzer's MessageAssembler with arbitrary frame sequences of one session.
// Oracle besides "no crash, no sanitizer report": a complete message holds exactly the body
// its header announced, a cut one less, and every message is handed on exactly once.
#include <cstdint>
#include <cstdlib>

#include "analyze/message_assembler.hpp"

using namespace amqpprox;

namespace {

void check(bool condition) {
    if (!condition) std::abort();
}

}  // namespace

// Input: records of [type, channel, flags, length (2 bytes, big endian), payload...]; flags
// bit 0 is the direction, bit 1 a hole in the sequence numbers, bit 2 a body cut in half.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    analyze::SessionInfo session;
    session.label = "1";
    std::size_t emitted = 0;
    std::size_t started = 0;
    analyze::MessageAssembler assembler([&](analyze::Message&& m) {
        ++emitted;
        if (m.status == analyze::MessageStatus::complete) check(m.body.size() == m.body_size);
        if (m.status == analyze::MessageStatus::cut) check(m.body.size() < m.body_size);
    });
    std::uint64_t seq = 0;
    std::size_t at = 0;
    while (at + 5 <= size) {
        capture::Record r;
        r.session = 1;
        r.type = static_cast<amqp::FrameType>(data[at]);
        r.channel = data[at + 1];
        const auto flags = data[at + 2];
        r.direction = (flags & 1) ? capture::Direction::broker_to_client
                                  : capture::Direction::client_to_broker;
        if (flags & 2) seq += 3;
        r.seq = seq++;
        std::size_t length = static_cast<std::size_t>(data[at + 3]) << 8 | data[at + 4];
        at += 5;
        length = std::min(length, size - at);
        r.payload.assign(reinterpret_cast<const std::byte*>(data + at),
                         reinterpret_cast<const std::byte*>(data + at + length));
        r.size = static_cast<std::uint32_t>(length);
        if ((flags & 4) && r.type == amqp::FrameType::body) r.payload.resize(length / 2);
        at += length;
        if (r.type == amqp::FrameType::method) {
            if (auto id = amqp::peek_method_id(r.payload); id && id->class_id == 60) ++started;
        }
        (void)assembler.add(session, r);
    }
    assembler.finish();
    check(emitted <= started);
    return 0;
}
