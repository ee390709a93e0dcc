#include "frame.hpp"

#include "reader.hpp"
#include "writer.hpp"

namespace amqpprox::amqp {

std::string_view to_string(FrameType type) {
    switch (type) {
        case FrameType::protocol_header:
            return "protocol-header";
        case FrameType::method:
            return "method";
        case FrameType::header:
            return "header";
        case FrameType::body:
            return "body";
        case FrameType::heartbeat:
            return "heartbeat";
    }
    return "unknown";
}

Result<std::optional<FrameView>> parse_frame(ByteView data, std::uint32_t frame_max,
                                             std::uint64_t base_offset) {
    if (data.size() < kFrameHeaderSize) return std::optional<FrameView>{};
    Reader r(data.first(kFrameHeaderSize));
    const auto type = r.u8();
    const auto channel = r.u16();
    const auto size = r.u32();
    switch (type) {
        case 1:
        case 2:
        case 3:
        case 8:
            break;
        default:
            return make_error(Errc::unknown_frame_type, base_offset, type);
    }
    const std::uint64_t total = std::uint64_t{size} + kFrameOverhead;
    if (frame_max != 0 && total > frame_max) {
        return make_error(Errc::frame_too_large, base_offset + 3,
                          static_cast<std::uint32_t>(std::min<std::uint64_t>(total, UINT32_MAX)));
    }
    if (type == 8 && channel != 0) return make_error(Errc::bad_heartbeat, base_offset + 1, channel);
    if (data.size() < total) return std::optional<FrameView>{};
    const auto end = data[kFrameHeaderSize + size];
    if (end != kFrameEnd) {
        return make_error(Errc::bad_frame_end, base_offset + kFrameHeaderSize + size,
                          std::to_integer<std::uint32_t>(end));
    }
    return FrameView{static_cast<FrameType>(type), channel, data.subspan(kFrameHeaderSize, size),
                     base_offset};
}

void encode_frame(FrameType type, std::uint16_t channel, ByteView payload, Bytes& out) {
    Writer w(out);
    w.u8(static_cast<std::uint8_t>(type));
    w.u16(channel);
    w.u32(static_cast<std::uint32_t>(payload.size()));
    w.bytes(payload);
    w.u8(std::to_integer<std::uint8_t>(kFrameEnd));
}

void FrameSplitter::feed(ByteView chunk) {
    absorb_view();
    // Drop what was returned already, so the buffer holds at most one partial frame plus
    // the new chunk.
    if (m_read > 0) {
        m_buffer.erase(m_buffer.begin(), m_buffer.begin() + static_cast<std::ptrdiff_t>(m_read));
        m_read = 0;
    }
    m_buffer.insert(m_buffer.end(), chunk.begin(), chunk.end());
}

void FrameSplitter::feed_view(ByteView chunk) {
    absorb_view();
    m_view = chunk;
    m_view_read = 0;
}

void FrameSplitter::absorb_view() {
    if (m_view_read < m_view.size()) {
        const auto rest = m_view.subspan(m_view_read);
        m_buffer.insert(m_buffer.end(), rest.begin(), rest.end());
    }
    m_view = {};
    m_view_read = 0;
}

Result<std::optional<FrameView>> FrameSplitter::parse(ByteView pending, std::size_t& used) {
    used = 0;
    if (m_expect_header) {
        auto header = parse_protocol_header(pending);
        if (!header) {
            m_error =
                Error{header.error().code, m_offset + header.error().offset, header.error().detail};
            return tl::unexpected(*m_error);
        }
        if (!*header) return std::optional<FrameView>{};
        m_expect_header = false;
        const FrameView frame{FrameType::protocol_header, 0, pending.first(kProtocolHeaderSize),
                              m_offset};
        used = kProtocolHeaderSize;
        m_offset += kProtocolHeaderSize;
        return frame;
    }
    auto frame = parse_frame(pending, m_frame_max, m_offset);
    if (!frame) {
        m_error = frame.error();
        return tl::unexpected(*m_error);
    }
    if (*frame) {
        used = (*frame)->wire_size();
        m_offset += used;
    }
    return frame;
}

std::size_t FrameSplitter::missing(ByteView pending) const {
    if (m_expect_header) return kProtocolHeaderSize - pending.size();
    if (pending.size() < kFrameHeaderSize) return kFrameHeaderSize - pending.size();
    Reader r(pending.subspan(3, 4));
    return std::uint64_t{r.u32()} + kFrameOverhead - pending.size();
}

Result<std::optional<FrameView>> FrameSplitter::next() {
    if (m_error) return tl::unexpected(*m_error);
    std::size_t used = 0;
    // A frame begun in an earlier chunk: only the bytes it lacks are copied from the view.
    while (m_read < m_buffer.size() && m_view_read < m_view.size()) {
        auto frame = parse(ByteView(m_buffer).subspan(m_read), used);
        if (!frame || *frame) {
            m_read += used;
            if (!frame) absorb_view();
            return frame;
        }
        const auto take =
            std::min(missing(ByteView(m_buffer).subspan(m_read)), m_view.size() - m_view_read);
        const auto piece = m_view.subspan(m_view_read, take);
        m_buffer.insert(m_buffer.end(), piece.begin(), piece.end());
        m_view_read += take;
    }
    if (m_view_read < m_view.size()) {
        // Everything buffered has been returned: read the view in place.
        m_buffer.clear();
        m_read = 0;
        const auto rest = m_view.subspan(m_view_read);
        auto frame = parse(rest, used);
        if (frame && *frame) {
            m_view_read += used;
            return frame;
        }
        absorb_view();  // an error, or a frame the next chunk completes
        return frame;
    }
    auto frame = parse(ByteView(m_buffer).subspan(m_read), used);
    m_read += used;
    return frame;
}

}  // namespace amqpprox::amqp
