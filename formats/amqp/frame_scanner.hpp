// Frame boundaries in a byte stream without keeping the frames: what a pass-through that
// records nothing needs (frame counts, the id of each method, malformed input caught) with no
// copy of the payloads. It checks what parse_frame checks and fails with the same errors, at
// the same offsets, as FrameSplitter would on the same stream (the codec fuzzer holds it to
// that). Frames only: a client's protocol header is the splitter's business.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "bytes.hpp"
#include "constants.hpp"
#include "error.hpp"
#include "frame.hpp"
#include "methods.hpp"

namespace amqpprox::amqp {

class FrameScanner {
public:
    struct Frame {
        FrameType type{};
        std::uint16_t channel = 0;
        std::uint32_t size = 0;          // payload bytes
        std::optional<MethodId> method;  // method frames of four bytes or more
        std::uint64_t offset = 0;        // stream offset of the frame's first byte

        bool operator==(const Frame&) const = default;
    };

    // `offset`: the stream offset of the first byte to be scanned (for errors and frames).
    explicit FrameScanner(std::uint32_t frame_max = kDefaultFrameMax, std::uint64_t offset = 0)
        : m_frame_max(frame_max), m_offset(offset) {}

    // Walks `chunk`, calling on_frame(const Frame&) for every frame that ends in it. An error
    // stops the walk and is sticky: later calls return it again.
    template <typename OnFrame>
    std::optional<Error> scan(ByteView chunk, OnFrame&& on_frame) {
        while (!chunk.empty()) {
            std::optional<Frame> done;
            const auto used = advance(chunk, done);
            if (!used) return used.error();
            if (done) on_frame(*done);
            chunk = chunk.subspan(*used);
        }
        return m_error;
    }

    std::uint64_t offset() const { return m_offset; }

private:
    // Consumes bytes of one frame at most; sets `done` when that frame ends.
    Result<std::size_t> advance(ByteView chunk, std::optional<Frame>& done);
    // Of the complete header in m_header (big-endian on the wire).
    std::uint16_t header_channel() const;
    std::uint32_t header_size() const;

    std::uint32_t m_frame_max;
    std::uint64_t m_offset;  // of the current frame's first byte
    std::array<std::byte, kFrameHeaderSize> m_header{};
    std::size_t m_header_have = 0;
    std::array<std::byte, 4> m_method{};
    std::size_t m_method_have = 0;
    std::uint32_t m_payload_left = 0;  // once the header is complete
    std::optional<Error> m_error;
};

}  // namespace amqpprox::amqp
