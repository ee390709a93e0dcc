#include "tcp.hpp"

#include <algorithm>

#include "byte_order.hpp"

namespace amqpprox::pcap {

using detail::be16_at;
using detail::be32_at;
using detail::u8_at;

bool TcpSegment::operator==(const TcpSegment& other) const {
    return src_port == other.src_port && dst_port == other.dst_port && seq == other.seq &&
           ack == other.ack && flags == other.flags && window == other.window &&
           offset == other.offset && cut == other.cut && std::ranges::equal(payload, other.payload);
}

Result<TcpSegment> decode_tcp(amqp::ByteView segment, std::size_t base) {
    if (segment.size() < 20) return make_error(Errc::truncated, base, 20);
    const std::size_t header = (u8_at(segment, 12) >> 4) * 4u;
    if (header < 20 || header > segment.size()) {
        return make_error(Errc::bad_tcp_header_length, base, static_cast<std::uint32_t>(header));
    }
    TcpSegment out;
    out.src_port = be16_at(segment, 0);
    out.dst_port = be16_at(segment, 2);
    out.seq = be32_at(segment, 4);
    out.ack = be32_at(segment, 8);
    out.flags = u8_at(segment, 13);
    out.window = be16_at(segment, 14);
    out.offset = base + header;
    out.payload = segment.subspan(header);
    return out;
}

}  // namespace amqpprox::pcap
