// Link-layer decoding: from a captured frame of a given link type to the network-layer
// packet it carries (EtherType and bytes), through Ethernet with 802.1Q/QinQ tags, Linux
// cooked v1/v2, BSD loopback (NULL and LOOP) and raw IP. Bounds-checked; errors as values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "error.hpp"
#include "formats/amqp/bytes.hpp"

namespace amqpprox::pcap {

// LINKTYPE_* values as stored in pcap/pcapng files, plus the platform DLT_RAW aliases that
// pcap_datalink() may return for LINKTYPE_RAW.
namespace link_type {
inline constexpr std::uint32_t null = 0;  // BSD loopback, AF in the writer's byte order
inline constexpr std::uint32_t ethernet = 1;
inline constexpr std::uint32_t raw_dlt12 = 12;  // DLT_RAW on most platforms
inline constexpr std::uint32_t raw_dlt14 = 14;  // DLT_RAW on OpenBSD
inline constexpr std::uint32_t raw = 101;       // LINKTYPE_RAW
inline constexpr std::uint32_t loop = 108;      // OpenBSD loopback, AF in network byte order
inline constexpr std::uint32_t linux_sll = 113;
inline constexpr std::uint32_t ipv4 = 228;
inline constexpr std::uint32_t ipv6 = 229;
inline constexpr std::uint32_t linux_sll2 = 276;
}  // namespace link_type

namespace ether_type {
inline constexpr std::uint16_t ipv4 = 0x0800;
inline constexpr std::uint16_t ipv6 = 0x86dd;
inline constexpr std::uint16_t vlan = 0x8100;      // 802.1Q
inline constexpr std::uint16_t qinq = 0x88a8;      // 802.1ad service tag
inline constexpr std::uint16_t qinq_old = 0x9100;  // pre-standard QinQ
}  // namespace ether_type

inline constexpr std::size_t kMaxVlanTags = 8;

struct LinkFrame {
    // The network-layer protocol as an EtherType (ipv4/ipv6 for loopback and raw links too);
    // anything else is not IP and is for the caller to skip.
    std::uint16_t ether_type = 0;
    std::vector<std::uint16_t> vlan_ids;  // outermost first, 12-bit VLAN ids
    std::size_t offset = 0;               // of the network-layer packet in the frame
    amqp::ByteView payload;               // the network-layer packet

    bool operator==(const LinkFrame& other) const;  // payloads compared by content
};

bool is_supported_link_type(std::uint32_t type);

// Decodes the link-layer header of one captured frame.
Result<LinkFrame> decode_link(std::uint32_t type, amqp::ByteView frame);

}  // namespace amqpprox::pcap
