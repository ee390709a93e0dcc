#include "batch.hpp"

namespace amqpprox::capture {

bool Batch::has_flush() const {
    for (const auto& [before, event] : events) {
        if (std::holds_alternative<FlushRequest>(event)) return true;
    }
    return false;
}

std::uint64_t Batch::payload_bytes() const {
    std::uint64_t total = 0;
    for (const auto& frame : frames)
        total += frame.payload.size();
    return total;
}

void Batch::clear() {
    // A burst's capacity is kept while batches stay big, given back once they are small.
    constexpr std::size_t kKeptFrames = 16384;
    if (frames.capacity() > kKeptFrames && frames.size() < frames.capacity() / 8) {
        std::vector<FrameRow>().swap(frames);
    }
    frames.clear();
    events.clear();
    bytes.clear();
    dropped.clear();
}

}  // namespace amqpprox::capture
