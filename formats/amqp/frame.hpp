// AMQP frames: the general frame layout (type, channel, size, payload, 0xCE), a stateless
// parser over a caller's buffer, an encoder, and an incremental splitter for byte streams.
#pragma once

#include <cstdint>
#include <optional>

#include "bytes.hpp"
#include "constants.hpp"
#include "error.hpp"
#include "protocol_header.hpp"

namespace amqpprox::amqp {

enum class FrameType : std::uint8_t {
    protocol_header = 0,  // not a wire frame: the 8-byte header that opens a client stream
    method = 1,
    header = 2,  // content header
    body = 3,
    heartbeat = 8,
};

std::string_view to_string(FrameType type);

struct FrameView {
    FrameType type{};
    std::uint16_t channel = 0;
    ByteView payload;          // for protocol_header: the 8 header bytes
    std::uint64_t offset = 0;  // stream offset of the frame's first byte

    std::size_t wire_size() const {
        return type == FrameType::protocol_header ? kProtocolHeaderSize
                                                  : payload.size() + kFrameOverhead;
    }
};

// Parses one frame at the start of `data`. nullopt when `data` holds only part of a frame.
// frame_max bounds the whole frame (header and end octet included); 0 means no limit.
// base_offset is the stream offset of data[0], used in the frame and in errors.
Result<std::optional<FrameView>> parse_frame(ByteView data, std::uint32_t frame_max,
                                             std::uint64_t base_offset = 0);

// Appends a complete frame.
void encode_frame(FrameType type, std::uint16_t channel, ByteView payload, Bytes& out);

// Splits a byte stream fed in arbitrary chunks into frames. A stream that starts with the
// protocol header (client to broker) yields it first as a protocol_header frame. Errors are
// sticky: after one, next() keeps returning it.
class FrameSplitter {
public:
    enum class Start { frames, protocol_header };

    explicit FrameSplitter(Start start = Start::frames, std::uint32_t frame_max = kDefaultFrameMax)
        : m_expect_header(start == Start::protocol_header), m_frame_max(frame_max) {}

    // Appends bytes. Views returned by earlier next() calls become invalid.
    void feed(ByteView chunk);
    // Takes bytes without copying them: frames wholly inside `chunk` come back as views into
    // it, and only a frame cut by its end is copied. `chunk` must stay valid until next() has
    // returned nullopt or an error. For readers that take every frame of a chunk at once (a
    // pcap's reassembled segments, a recording proxy's reads) and would otherwise copy them.
    void feed_view(ByteView chunk);
    // The next complete frame, or nullopt when more bytes are needed. After feed_view, the
    // view of the frame returned before becomes invalid.
    Result<std::optional<FrameView>> next();

    // After Connection.Tune-Ok: the limit both peers agreed (0 = none).
    void set_frame_max(std::uint32_t frame_max) { m_frame_max = frame_max; }
    std::uint32_t frame_max() const { return m_frame_max; }
    // Bytes fed but not yet returned as frames.
    std::size_t buffered() const {
        return m_buffer.size() - m_read + (m_view.size() - m_view_read);
    }
    // Those bytes (after next() returned nullopt or an error, they are all in one piece).
    ByteView pending() const { return ByteView(m_buffer).subspan(m_read); }
    // Stream offset of the next byte next() will look at.
    std::uint64_t offset() const { return m_offset; }

private:
    // The frame at the start of `pending`; `used` gets its size on the wire.
    Result<std::optional<FrameView>> parse(ByteView pending, std::size_t& used);
    // Bytes still missing from the incomplete frame at the start of `pending`.
    std::size_t missing(ByteView pending) const;
    // The unread part of a fed view goes into the buffer (before it stops being valid).
    void absorb_view();

    Bytes m_buffer;
    std::size_t m_read = 0;  // bytes of m_buffer already returned as frames
    ByteView m_view;         // from feed_view, read in place after the buffer's bytes
    std::size_t m_view_read = 0;
    std::uint64_t m_offset = 0;
    bool m_expect_header;
    std::uint32_t m_frame_max;
    std::optional<Error> m_error;
};

}  // namespace amqpprox::amqp
