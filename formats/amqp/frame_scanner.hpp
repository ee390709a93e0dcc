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
        if (m_error) return m_error;
        while (!chunk.empty()) {
            if (m_header_have == 0) {
                // The hot path of a pass-through: whole, valid frames read in place.
                if (const auto used = whole_frame(chunk, on_frame)) {
                    chunk = chunk.subspan(used);
                    continue;
                }
            }
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
    // A frame that lies whole at the start of `chunk` and is valid: on_frame, and its wire
    // size. 0 for anything else (a partial frame, any fault), which advance() then handles,
    // so errors come from one place.
    template <typename OnFrame>
    std::size_t whole_frame(ByteView chunk, OnFrame& on_frame) {
        if (chunk.size() < kFrameOverhead) return 0;
        const auto byte = [&chunk](std::size_t i) {
            return std::to_integer<std::uint32_t>(chunk[i]);
        };
        const auto type = byte(0);
        const auto channel = static_cast<std::uint16_t>(byte(1) << 8 | byte(2));
        const std::uint32_t size = byte(3) << 24 | byte(4) << 16 | byte(5) << 8 | byte(6);
        const std::uint64_t total = std::uint64_t{size} + kFrameOverhead;
        const bool known = type == 1 || type == 2 || type == 3 || (type == 8 && channel == 0);
        if (!known || chunk.size() < total || (m_frame_max != 0 && total > m_frame_max) ||
            chunk[total - 1] != kFrameEnd) {
            return 0;
        }
        Frame frame{static_cast<FrameType>(type), channel, size, std::nullopt, m_offset};
        if (type == 1 && size >= 4) {
            frame.method = MethodId{static_cast<std::uint16_t>(byte(7) << 8 | byte(8)),
                                    static_cast<std::uint16_t>(byte(9) << 8 | byte(10))};
        }
        m_offset += total;
        on_frame(frame);
        return static_cast<std::size_t>(total);
    }

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
