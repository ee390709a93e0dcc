#include "frame_scanner.hpp"

#include <algorithm>
#include <cstring>

namespace amqpprox::amqp {

std::uint16_t FrameScanner::header_channel() const {
    return static_cast<std::uint16_t>(std::to_integer<unsigned>(m_header[1]) << 8 |
                                      std::to_integer<unsigned>(m_header[2]));
}

std::uint32_t FrameScanner::header_size() const {
    std::uint32_t size = 0;
    for (std::size_t i = 3; i < kFrameHeaderSize; ++i)
        size = size << 8 | std::to_integer<std::uint32_t>(m_header[i]);
    return size;
}

Result<std::size_t> FrameScanner::advance(ByteView chunk, std::optional<Frame>& done) {
    if (m_error) return tl::unexpected(*m_error);
    std::size_t used = 0;
    if (m_header_have < kFrameHeaderSize) {
        const auto n = std::min(kFrameHeaderSize - m_header_have, chunk.size());
        std::memcpy(m_header.data() + m_header_have, chunk.data(), n);
        m_header_have += n;
        used += n;
        if (m_header_have < kFrameHeaderSize) return used;
        // A header alone is never a whole frame: parse_frame only reports what is wrong
        // with it, exactly as it would with the whole frame in view.
        if (auto checked = parse_frame(ByteView(m_header), m_frame_max, m_offset); !checked) {
            m_error = checked.error();
            return tl::unexpected(*m_error);
        }
        m_payload_left = header_size();
    }
    const auto type = static_cast<FrameType>(m_header[0]);
    if (m_payload_left > 0) {
        const auto n =
            static_cast<std::uint32_t>(std::min<std::size_t>(m_payload_left, chunk.size() - used));
        if (type == FrameType::method && m_method_have < m_method.size()) {
            const auto keep = std::min<std::size_t>(m_method.size() - m_method_have, n);
            std::memcpy(m_method.data() + m_method_have, chunk.data() + used, keep);
            m_method_have += keep;
        }
        m_payload_left -= n;
        used += n;
        if (m_payload_left > 0) return used;
    }
    if (used == chunk.size()) return used;  // the end octet is still to come
    Frame frame{type, header_channel(), header_size(), std::nullopt, m_offset};
    if (chunk[used] != kFrameEnd) {
        m_error = Error{Errc::bad_frame_end, m_offset + kFrameHeaderSize + frame.size,
                        std::to_integer<std::uint32_t>(chunk[used])};
        return tl::unexpected(*m_error);
    }
    ++used;
    if (type == FrameType::method && m_method_have == m_method.size()) {
        if (auto id = peek_method_id(ByteView(m_method))) frame.method = *id;
    }
    m_offset += std::uint64_t{frame.size} + kFrameOverhead;
    m_header_have = 0;
    m_method_have = 0;
    done = frame;
    return used;
}

}  // namespace amqpprox::amqp
