#include "ip.hpp"

#include <algorithm>

#include <arpa/inet.h>

#include "byte_order.hpp"

namespace amqpprox::pcap {

using detail::be16_at;
using detail::be32_at;
using detail::u8_at;

namespace {

constexpr std::uint8_t kHopByHop = 0;
constexpr std::uint8_t kRouting = 43;
constexpr std::uint8_t kFragment = 44;
constexpr std::uint8_t kEsp = 50;
constexpr std::uint8_t kAuthentication = 51;
constexpr std::uint8_t kDestinationOptions = 60;
constexpr std::uint8_t kMobility = 135;
constexpr std::uint8_t kHip = 139;
constexpr std::uint8_t kShim6 = 140;

void copy_address(amqp::ByteView from, std::size_t at, std::size_t size, IpAddress& to) {
    for (std::size_t i = 0; i < size; ++i)
        to.bytes[i] = u8_at(from, at + i);
}

}  // namespace

IpAddress IpAddress::v4_from(std::uint32_t host_order) {
    IpAddress address;
    address.bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
    address.bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
    address.bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
    address.bytes[3] = static_cast<std::uint8_t>(host_order);
    return address;
}

std::string IpAddress::to_string() const {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text);
    return text;
}

bool IpPacket::operator==(const IpPacket& other) const {
    return src == other.src && dst == other.dst && protocol == other.protocol &&
           fragment == other.fragment && offset == other.offset && cut == other.cut &&
           std::ranges::equal(payload, other.payload);
}

Result<IpPacket> decode_ipv4(amqp::ByteView packet, std::size_t base) {
    if (packet.size() < 20) return make_error(Errc::truncated, base, 20);
    const unsigned version = u8_at(packet, 0) >> 4;
    if (version != 4) return make_error(Errc::bad_ip_version, base, version);
    const std::size_t header = (u8_at(packet, 0) & 0x0fu) * 4u;
    if (header < 20) {
        return make_error(Errc::bad_ip_header_length, base, static_cast<std::uint32_t>(header));
    }
    if (packet.size() < header) {
        return make_error(Errc::truncated, base, static_cast<std::uint32_t>(header));
    }
    std::size_t total = be16_at(packet, 2);
    // Linux captures outgoing TSO super-segments before the NIC splits them, with total
    // length 0: the captured bytes are the datagram.
    if (total == 0) total = packet.size();
    if (total < header) {
        return make_error(Errc::bad_ip_header_length, base, static_cast<std::uint32_t>(header));
    }
    // Beyond the total length is link padding (Ethernet minimum frame size); short of it,
    // the capture was cut by the snap length: what was captured goes on, the rest is `cut`.
    const auto cut = static_cast<std::uint32_t>(total - std::min(total, packet.size()));
    total -= cut;

    IpPacket out;
    out.cut = cut;
    copy_address(packet, 12, 4, out.src);
    copy_address(packet, 16, 4, out.dst);
    out.protocol = u8_at(packet, 9);
    const std::uint16_t flags_offset = be16_at(packet, 6);
    const bool more = (flags_offset & 0x2000u) != 0;
    const std::uint32_t fragment_offset = (flags_offset & 0x1fffu) * 8u;
    if (more || fragment_offset != 0) {
        // A fragment cut short cannot be put together with the others.
        if (cut != 0)
            return make_error(Errc::truncated, base, static_cast<std::uint32_t>(total + cut));
        out.fragment = FragmentInfo{be16_at(packet, 4), fragment_offset, more};
    }
    out.offset = base + header;
    out.payload = packet.subspan(header, total - header);
    return out;
}

Result<IpPacket> decode_ipv6(amqp::ByteView packet, std::size_t base) {
    if (packet.size() < 40) return make_error(Errc::truncated, base, 40);
    const unsigned version = u8_at(packet, 0) >> 4;
    if (version != 6) return make_error(Errc::bad_ip_version, base, version);
    std::size_t total = 40u + be16_at(packet, 4);
    // Payload length 0 is a jumbogram (or a TSO super-segment): trust the capture.
    if (total == 40) total = packet.size();
    const auto cut = static_cast<std::uint32_t>(total - std::min(total, packet.size()));
    total -= cut;

    IpPacket out;
    out.cut = cut;
    out.src.v6 = out.dst.v6 = true;
    copy_address(packet, 8, 16, out.src);
    copy_address(packet, 24, 16, out.dst);
    out.protocol = u8_at(packet, 6);
    out.offset = base + 40;
    out.payload = packet.subspan(40, total - 40);
    return skip_ipv6_extensions(std::move(out));
}

bool is_ipv6_extension(std::uint8_t next_header) {
    switch (next_header) {
        case kHopByHop:
        case kRouting:
        case kFragment:
        case kEsp:
        case kAuthentication:
        case kDestinationOptions:
        case kMobility:
        case kHip:
        case kShim6:
            return true;
        default:
            return false;
    }
}

Result<IpPacket> skip_ipv6_extensions(IpPacket packet) {
    const amqp::ByteView data = packet.payload;
    const std::size_t base = packet.offset;
    std::uint8_t next = packet.protocol;
    std::size_t at = 0;
    for (std::size_t count = 0;; ++count) {
        std::size_t length = 0;
        switch (next) {
            case kHopByHop:
            case kRouting:
            case kDestinationOptions:
            case kMobility:
            case kHip:
            case kShim6:
                if (data.size() - at < 2) return make_error(Errc::truncated, base + at, 2);
                length = (std::size_t{u8_at(data, at + 1)} + 1) * 8;
                break;
            case kAuthentication:  // length in 4-octet units, minus 2
                if (data.size() - at < 2) return make_error(Errc::truncated, base + at, 2);
                length = (std::size_t{u8_at(data, at + 1)} + 2) * 4;
                break;
            case kFragment: {
                if (data.size() - at < 8) return make_error(Errc::truncated, base + at, 8);
                if (packet.fragment) {  // a fragment inside a reassembled fragment
                    return make_error(Errc::bad_fragment, base + at);
                }
                const std::uint16_t offset_flags = be16_at(data, at + 2);
                const FragmentInfo fragment{be32_at(data, at + 4),
                                            static_cast<std::uint32_t>(offset_flags & 0xfff8u),
                                            (offset_flags & 1u) != 0};
                // An atomic fragment (offset 0, no more) is a whole datagram; of a real
                // fragment, what follows is a piece of the reassembled payload, not headers.
                if (fragment.offset == 0 && !fragment.more) {
                    length = 8;
                    break;
                }
                if (packet.cut != 0) {  // a fragment cut short cannot be put together
                    return make_error(Errc::truncated, base + at,
                                      static_cast<std::uint32_t>(data.size() + packet.cut));
                }
                packet.fragment = fragment;
                packet.protocol = u8_at(data, at);
                packet.offset = base + at + 8;
                packet.payload = data.subspan(at + 8);
                return packet;
            }
            case kEsp:  // encrypted: nothing after it can be read
                return make_error(Errc::bad_ipv6_extension, base + at, next);
            default:  // an upper-layer protocol (or 59, no next header)
                packet.protocol = next;
                packet.offset = base + at;
                packet.payload = data.subspan(at);
                return packet;
        }
        if (count == kMaxIpv6ExtensionHeaders) {
            return make_error(Errc::bad_ipv6_extension, base + at, next);
        }
        if (data.size() - at < length) {
            return make_error(Errc::truncated, base + at, static_cast<std::uint32_t>(length));
        }
        next = u8_at(data, at);
        at += length;
    }
}

}  // namespace amqpprox::pcap
