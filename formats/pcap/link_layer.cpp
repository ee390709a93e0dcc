#include "link_layer.hpp"

#include <algorithm>

#include "byte_order.hpp"

namespace amqpprox::pcap {

using detail::be16_at;
using detail::be32_at;
using detail::le32_at;
using detail::u8_at;

namespace {

// Address families in loopback headers: AF_INET is 2 everywhere, AF_INET6 differs by OS.
constexpr std::uint32_t kAfInet = 2;
constexpr std::uint32_t kAfInet6Linux = 10;
constexpr std::uint32_t kAfInet6NetBsd = 24;
constexpr std::uint32_t kAfInet6FreeBsd = 28;
constexpr std::uint32_t kAfInet6Darwin = 30;

bool is_vlan(std::uint16_t type) {
    return type == ether_type::vlan || type == ether_type::qinq || type == ether_type::qinq_old;
}

LinkFrame at(amqp::ByteView frame, std::size_t offset, std::uint16_t type) {
    return LinkFrame{type, {}, offset, frame.subspan(offset)};
}

// Follows stacked VLAN tags after an EtherType field ending at `offset`.
Result<LinkFrame> after_ether_type(amqp::ByteView frame, std::size_t offset, std::uint16_t type) {
    LinkFrame out = at(frame, offset, type);
    while (is_vlan(out.ether_type)) {
        if (out.vlan_ids.size() == kMaxVlanTags) {
            return make_error(Errc::too_many_vlan_tags, out.offset);
        }
        if (frame.size() - out.offset < 4) return make_error(Errc::truncated, out.offset, 4);
        out.vlan_ids.push_back(be16_at(frame, out.offset) & 0x0fffu);
        out.ether_type = be16_at(frame, out.offset + 2);
        out.offset += 4;
    }
    out.payload = frame.subspan(out.offset);
    return out;
}

std::uint16_t from_address_family(std::uint32_t family) {
    switch (family) {
        case kAfInet:
            return ether_type::ipv4;
        case kAfInet6Linux:
        case kAfInet6NetBsd:
        case kAfInet6FreeBsd:
        case kAfInet6Darwin:
            return ether_type::ipv6;
        default:
            return 0;
    }
}

Result<LinkFrame> raw_ip(amqp::ByteView frame) {
    if (frame.empty()) return make_error(Errc::truncated, 0, 1);
    switch (u8_at(frame, 0) >> 4) {
        case 4:
            return at(frame, 0, ether_type::ipv4);
        case 6:
            return at(frame, 0, ether_type::ipv6);
        default:
            return make_error(Errc::bad_ip_version, 0, u8_at(frame, 0) >> 4u);
    }
}

}  // namespace

bool LinkFrame::operator==(const LinkFrame& other) const {
    return ether_type == other.ether_type && vlan_ids == other.vlan_ids && offset == other.offset &&
           std::ranges::equal(payload, other.payload);
}

bool is_supported_link_type(std::uint32_t type) {
    switch (type) {
        case link_type::null:
        case link_type::ethernet:
        case link_type::raw_dlt12:
        case link_type::raw_dlt14:
        case link_type::raw:
        case link_type::loop:
        case link_type::linux_sll:
        case link_type::ipv4:
        case link_type::ipv6:
        case link_type::linux_sll2:
            return true;
        default:
            return false;
    }
}

Result<LinkFrame> decode_link(std::uint32_t type, amqp::ByteView frame) {
    switch (type) {
        case link_type::ethernet: {
            // dst(6) src(6) type(2); a type below 0x0600 is an 802.3 length (not IP).
            if (frame.size() < 14) return make_error(Errc::truncated, 0, 14);
            return after_ether_type(frame, 14, be16_at(frame, 12));
        }
        case link_type::linux_sll: {
            // packet type(2) ARPHRD(2) address length(2) address(8) protocol(2)
            if (frame.size() < 16) return make_error(Errc::truncated, 0, 16);
            return after_ether_type(frame, 16, be16_at(frame, 14));
        }
        case link_type::linux_sll2: {
            // protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) addr len(1) addr(8)
            if (frame.size() < 20) return make_error(Errc::truncated, 0, 20);
            return after_ether_type(frame, 20, be16_at(frame, 0));
        }
        case link_type::null: {
            // The family is in the capturing host's byte order: a value that only fits when
            // read big-endian was written by a big-endian host.
            if (frame.size() < 4) return make_error(Errc::truncated, 0, 4);
            std::uint32_t family = le32_at(frame, 0);
            if (family > 0xffffu) family = be32_at(frame, 0);
            return at(frame, 4, from_address_family(family));
        }
        case link_type::loop: {
            if (frame.size() < 4) return make_error(Errc::truncated, 0, 4);
            return at(frame, 4, from_address_family(be32_at(frame, 0)));
        }
        case link_type::raw_dlt12:
        case link_type::raw_dlt14:
        case link_type::raw:
            return raw_ip(frame);
        case link_type::ipv4:
            return at(frame, 0, ether_type::ipv4);
        case link_type::ipv6:
            return at(frame, 0, ether_type::ipv6);
        default:
            return make_error(Errc::unsupported_link_type, 0, type);
    }
}

}  // namespace amqpprox::pcap
