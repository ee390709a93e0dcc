// IPv4 and IPv6 header decoding: addresses, the transport protocol, fragment information and
// the transport payload (IPv4 options and IPv6 extension headers skipped). Bounds-checked;
// Ethernet padding after the datagram is cut off; errors as values.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "error.hpp"
#include "formats/amqp/bytes.hpp"

namespace amqpprox::pcap {

namespace ip_protocol {
inline constexpr std::uint8_t tcp = 6;
inline constexpr std::uint8_t udp = 17;
}  // namespace ip_protocol

// An IPv4 address is held in the first 4 bytes; v6 tells the families apart.
struct IpAddress {
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};

    auto operator<=>(const IpAddress&) const = default;

    static IpAddress v4_from(std::uint32_t host_order);
    std::string to_string() const;  // dotted quad, or RFC 5952 text for IPv6
};

struct FragmentInfo {
    std::uint32_t id = 0;      // IPv4: 16 bits, IPv6: 32 bits
    std::uint32_t offset = 0;  // in bytes from the start of the original payload
    bool more = false;         // more fragments follow

    bool operator==(const FragmentInfo&) const = default;
};

struct IpPacket {
    IpAddress src;
    IpAddress dst;
    std::uint8_t protocol = 0;             // the upper-layer protocol (after extension headers)
    std::optional<FragmentInfo> fragment;  // set when this is one fragment of a datagram
    std::size_t offset = 0;                // of the payload in the frame
    amqp::ByteView payload;                // transport header and data (or a fragment of them)
    // Bytes of the datagram the capture left out (cut by the snap length): they would follow
    // `payload`. Only whole datagrams are cut this way; a cut fragment is an error.
    std::uint32_t cut = 0;

    bool operator==(const IpPacket& other) const;  // payloads compared by content
};

inline constexpr std::size_t kMaxIpv6ExtensionHeaders = 16;

// Decodes an IPv4 or IPv6 packet by its EtherType; base_offset is where `packet` starts in
// the frame, for error offsets.
Result<IpPacket> decode_ipv4(amqp::ByteView packet, std::size_t base_offset = 0);
Result<IpPacket> decode_ipv6(amqp::ByteView packet, std::size_t base_offset = 0);

// Walks the IPv6 extension headers at the start of packet.payload, packet.protocol naming
// the first: the result names the upper-layer protocol and its payload. decode_ipv6 uses
// it; so does reassembly, for the headers that follow a fragment header (packet.fragment
// set there means a second fragment header is an error).
Result<IpPacket> skip_ipv6_extensions(IpPacket packet);

// Hop-by-hop, routing, fragment, destination options, AH, ESP, mobility, HIP, shim6.
bool is_ipv6_extension(std::uint8_t next_header);

}  // namespace amqpprox::pcap
