// Compares the broker frames a replay received with the ones the recording holds, per channel
// and in order, after normalising what legitimately differs between two runs: the server's
// properties in Connection.Start, message timestamps, and (loose) message and consumer
// counts. Names and tags the broker assigned are mapped back by the Rewriter before frames
// get here, so both sides speak in recorded terms.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plan.hpp"

namespace amqpprox::replay {

struct DiffOptions {
    bool loose = false;  // ignore message_count and consumer_count
};

enum class DifferenceKind : std::uint8_t {
    missing,    // recorded, not received
    extra,      // received, not recorded
    different,  // received in the place of a recorded frame, but not equal to it
};

std::string_view to_string(DifferenceKind kind);

struct Difference {
    DifferenceKind kind{};
    std::uint16_t channel = 0;
    // 1-based position among the channel's frames: in the recording for missing and
    // different, in the replay for extra.
    std::size_t position = 0;
    std::string recorded;  // the frame as text (empty for extra)
    std::string replayed;  // (empty for missing)

    bool operator==(const Difference&) const = default;
};

// The differences between two sessions' broker frames; none means equal.
std::vector<Difference> diff_frames(const std::vector<Frame>& recorded,
                                    const std::vector<Frame>& replayed,
                                    const DiffOptions& options = {});

// One line for a frame: the method, the content header, or the body size.
std::string frame_text(const Frame& frame);

}  // namespace amqpprox::replay
