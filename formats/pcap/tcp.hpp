// TCP header decoding: ports, sequence numbers, flags and the segment's payload (options
// skipped). Bounds-checked; errors as values.
#pragma once

#include <cstddef>
#include <cstdint>

#include "error.hpp"
#include "formats/amqp/bytes.hpp"

namespace amqpprox::pcap {

namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01;
inline constexpr std::uint8_t syn = 0x02;
inline constexpr std::uint8_t rst = 0x04;
inline constexpr std::uint8_t psh = 0x08;
inline constexpr std::uint8_t ack = 0x10;
}  // namespace tcp_flag

struct TcpSegment {
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;  // tcp_flag bits
    std::uint16_t window = 0;
    std::size_t offset = 0;  // of the payload in the frame
    amqp::ByteView payload;
    std::uint32_t cut = 0;  // payload bytes after `payload` the capture left out (snap length)

    bool has(std::uint8_t flag) const { return (flags & flag) != 0; }
    bool operator==(const TcpSegment& other) const;  // payloads compared by content
};

// base_offset is where `segment` starts in the frame, for error offsets.
Result<TcpSegment> decode_tcp(amqp::ByteView segment, std::size_t base_offset = 0);

}  // namespace amqpprox::pcap
