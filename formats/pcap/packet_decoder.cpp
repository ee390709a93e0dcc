#include "packet_decoder.hpp"

#include "link_layer.hpp"

namespace amqpprox::pcap {

std::string_view to_string(PacketKind kind) {
    switch (kind) {
        case PacketKind::tcp:
            return "tcp";
        case PacketKind::not_ip:
            return "not ip";
        case PacketKind::not_tcp:
            return "not tcp";
        case PacketKind::fragment_held:
            return "fragment held";
    }
    return "unknown";
}

Result<DecodedPacket> PacketDecoder::decode(std::int64_t ts_ns, std::uint32_t link_type,
                                            amqp::ByteView frame) {
    auto link = decode_link(link_type, frame);
    if (!link) return tl::unexpected(link.error());

    DecodedPacket out;
    out.vlan_ids = std::move(link->vlan_ids);
    if (link->ether_type != ether_type::ipv4 && link->ether_type != ether_type::ipv6) {
        return out;  // not_ip
    }
    auto ip = link->ether_type == ether_type::ipv4 ? decode_ipv4(link->payload, link->offset)
                                                   : decode_ipv6(link->payload, link->offset);
    if (!ip) return tl::unexpected(ip.error());
    out.src = ip->src;
    out.dst = ip->dst;
    out.protocol = ip->protocol;
    // Fragments of other protocols are not worth their memory: only TCP (or, for IPv6,
    // extension headers that may lead to TCP) is reassembled.
    const bool maybe_tcp = ip->protocol == ip_protocol::tcp ||
                           (ip->src.v6 && ip->fragment && is_ipv6_extension(ip->protocol));
    if (!maybe_tcp) {
        out.kind = PacketKind::not_tcp;
        return out;
    }
    if (ip->fragment) {
        auto whole = m_fragments.add(ts_ns, *ip);
        if (!whole) return tl::unexpected(whole.error());
        if (!*whole) {
            out.kind = PacketKind::fragment_held;
            return out;
        }
        m_datagram = std::move(**whole);
        out.reassembled = true;
        // Offsets now count in the reassembled datagram.
        IpPacket datagram{ip->src, ip->dst, ip->protocol, ip->fragment, 0, m_datagram};
        // IPv6 extension headers may follow the fragment header (destination options).
        ip = ip->src.v6 ? skip_ipv6_extensions(std::move(datagram)) : datagram;
        if (!ip) return tl::unexpected(ip.error());
    }
    out.protocol = ip->protocol;
    if (ip->protocol != ip_protocol::tcp) {
        out.kind = PacketKind::not_tcp;
        return out;
    }
    auto tcp = decode_tcp(ip->payload, ip->offset);
    if (!tcp) return tl::unexpected(tcp.error());
    out.kind = PacketKind::tcp;
    out.tcp = *tcp;
    out.tcp.cut = ip->cut;
    return out;
}

}  // namespace amqpprox::pcap
