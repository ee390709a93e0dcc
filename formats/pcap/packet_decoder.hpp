// From one captured frame to the TCP segment it carries: link layer, IPv4/IPv6 (fragments
// reassembled), TCP. Sans-IO; the only state is the fragments waiting for their datagram.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "error.hpp"
#include "formats/amqp/bytes.hpp"
#include "ip.hpp"
#include "ip_fragments.hpp"
#include "tcp.hpp"

namespace amqpprox::pcap {

enum class PacketKind : std::uint8_t {
    tcp,            // `tcp` holds the segment
    not_ip,         // ARP, LLDP, ...: nothing for us
    not_tcp,        // UDP, ICMP, ...
    fragment_held,  // an IP fragment kept until its datagram is whole
};

std::string_view to_string(PacketKind kind);

struct DecodedPacket {
    PacketKind kind = PacketKind::not_ip;
    IpAddress src;
    IpAddress dst;
    std::uint8_t protocol = 0;
    std::vector<std::uint16_t> vlan_ids;
    bool reassembled = false;  // the segment came from several IP fragments
    TcpSegment tcp;            // for PacketKind::tcp

    bool operator==(const DecodedPacket&) const = default;
};

class PacketDecoder {
public:
    explicit PacketDecoder(FragmentLimits limits = {}) : m_fragments(limits) {}

    // The result's payload views point into `frame`, or, for a reassembled datagram, into a
    // buffer of the decoder that stays valid until the next call.
    Result<DecodedPacket> decode(std::int64_t ts_ns, std::uint32_t link_type, amqp::ByteView frame);

    const FragmentStats& fragment_stats() const { return m_fragments.stats(); }

private:
    IpFragments m_fragments;
    amqp::Bytes m_datagram;  // the last reassembled transport payload
};

}  // namespace amqpprox::pcap
