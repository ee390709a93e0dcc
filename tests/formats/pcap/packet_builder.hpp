// Builds link-layer frames, IP packets, TCP segments and pcap/pcapng files byte by byte for
// the pcap tests (no checksums: nothing here verifies them).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "formats/amqp/bytes.hpp"

namespace amqpprox::pcap::test {

using amqp::Bytes;

inline void put8(Bytes& out, unsigned v) {
    out.push_back(static_cast<std::byte>(v & 0xffu));
}
inline void put16(Bytes& out, unsigned v) {
    put8(out, v >> 8);
    put8(out, v);
}
inline void put32(Bytes& out, std::uint32_t v) {
    put16(out, v >> 16);
    put16(out, v & 0xffffu);
}
inline void put16le(Bytes& out, unsigned v) {
    put8(out, v);
    put8(out, v >> 8);
}
inline void put32le(Bytes& out, std::uint32_t v) {
    put16le(out, v & 0xffffu);
    put16le(out, v >> 16);
}
inline void append(Bytes& out, amqp::ByteView more) {
    out.insert(out.end(), more.begin(), more.end());
}
inline Bytes text(std::string_view s) {
    return amqp::to_bytes(s);
}
inline Bytes concat(std::initializer_list<amqp::ByteView> parts) {
    Bytes out;
    for (auto part : parts)
        append(out, part);
    return out;
}

using Ip6 = std::array<std::uint8_t, 16>;
inline Ip6 ip6(std::uint8_t last) {
    Ip6 a{};
    a[0] = 0xfd;
    a[15] = last;
    return a;
}

struct Tcp {
    std::uint16_t src_port = 40000;
    std::uint16_t dst_port = 5672;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0x10;  // ACK
    Bytes payload;
    unsigned option_words = 0;  // 4-byte NOP option words after the header
};

inline Bytes tcp(const Tcp& t) {
    Bytes out;
    put16(out, t.src_port);
    put16(out, t.dst_port);
    put32(out, t.seq);
    put32(out, t.ack);
    put8(out, (5u + t.option_words) << 4);
    put8(out, t.flags);
    put16(out, 65535);  // window
    put16(out, 0);      // checksum
    put16(out, 0);      // urgent
    for (unsigned i = 0; i < t.option_words * 4; ++i)
        put8(out, 1);  // NOP
    append(out, t.payload);
    return out;
}

struct Ipv4 {
    std::uint32_t src = 0x0a000001;  // 10.0.0.1
    std::uint32_t dst = 0x0a000002;
    std::uint8_t protocol = 6;
    std::uint16_t id = 1;
    bool more_fragments = false;
    std::uint16_t fragment_offset = 0;  // in bytes, a multiple of 8
    unsigned option_words = 0;
    std::uint16_t total_length_override = 0xffff;  // 0xffff: computed
};

inline Bytes ipv4(const Ipv4& h, amqp::ByteView payload) {
    Bytes out;
    const unsigned header = 20 + h.option_words * 4;
    put8(out, 0x40 | (header / 4));
    put8(out, 0);
    put16(out, h.total_length_override == 0xffff ? static_cast<unsigned>(header + payload.size())
                                                 : h.total_length_override);
    put16(out, h.id);
    put16(out, (h.more_fragments ? 0x2000u : 0u) | (h.fragment_offset / 8u));
    put8(out, 64);  // TTL
    put8(out, h.protocol);
    put16(out, 0);  // checksum
    put32(out, h.src);
    put32(out, h.dst);
    for (unsigned i = 0; i < h.option_words * 4; ++i)
        put8(out, 1);  // NOP
    append(out, payload);
    return out;
}

// `body` starts with the extension headers (if any) whose chain `next_header` begins.
inline Bytes ipv6(const Ip6& src, const Ip6& dst, std::uint8_t next_header, amqp::ByteView body) {
    Bytes out;
    put32(out, 0x60000000);
    put16(out, static_cast<unsigned>(body.size()));
    put8(out, next_header);
    put8(out, 64);
    for (auto b : src)
        put8(out, b);
    for (auto b : dst)
        put8(out, b);
    append(out, body);
    return out;
}

// A generic extension header (hop-by-hop, routing, destination options): 8 * (1 + len) bytes.
inline Bytes ipv6_extension(std::uint8_t next_header, unsigned length_units = 0) {
    Bytes out;
    put8(out, next_header);
    put8(out, length_units);
    for (unsigned i = 2; i < 8 * (1 + length_units); ++i)
        put8(out, 0);
    return out;
}

inline Bytes ipv6_fragment(std::uint8_t next_header, std::uint32_t id, unsigned offset, bool more) {
    Bytes out;
    put8(out, next_header);
    put8(out, 0);
    put16(out, (offset & 0xfff8u) | (more ? 1u : 0u));
    put32(out, id);
    return out;
}

inline Bytes ethernet(std::uint16_t ether_type, amqp::ByteView payload,
                      std::vector<std::uint16_t> vlans = {}) {
    Bytes out;
    for (int i = 0; i < 6; ++i)
        put8(out, 0x02);
    for (int i = 0; i < 6; ++i)
        put8(out, 0x04);
    for (auto vlan : vlans) {
        put16(out, 0x8100);
        put16(out, vlan);
    }
    put16(out, ether_type);
    append(out, payload);
    return out;
}

inline Bytes sll(std::uint16_t protocol, amqp::ByteView payload) {
    Bytes out;
    put16(out, 0);    // to us
    put16(out, 772);  // ARPHRD_LOOPBACK
    put16(out, 6);
    for (int i = 0; i < 8; ++i)
        put8(out, 0);
    put16(out, protocol);
    append(out, payload);
    return out;
}

inline Bytes sll2(std::uint16_t protocol, amqp::ByteView payload) {
    Bytes out;
    put16(out, protocol);
    put16(out, 0);
    put32(out, 1);    // ifindex
    put16(out, 772);  // ARPHRD_LOOPBACK
    put8(out, 0);
    put8(out, 6);
    for (int i = 0; i < 8; ++i)
        put8(out, 0);
    append(out, payload);
    return out;
}

inline Bytes null_le(std::uint32_t family, amqp::ByteView payload) {
    Bytes out;
    put32le(out, family);
    append(out, payload);
    return out;
}

inline Bytes null_be(std::uint32_t family, amqp::ByteView payload) {
    Bytes out;
    put32(out, family);
    append(out, payload);
    return out;
}

// A classic pcap file (little-endian, microsecond or nanosecond magic).
struct PcapRecord {
    std::int64_t ts_ns = 0;
    Bytes frame;
};

inline Bytes pcap_file(std::uint32_t link_type, const std::vector<PcapRecord>& records,
                       bool nanoseconds = false) {
    Bytes out;
    put32le(out, nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4);
    put16le(out, 2);
    put16le(out, 4);
    put32le(out, 0);
    put32le(out, 0);
    put32le(out, 65535);
    put32le(out, link_type);
    for (const auto& r : records) {
        const auto sub = nanoseconds ? r.ts_ns % 1'000'000'000 : r.ts_ns % 1'000'000'000 / 1000;
        put32le(out, static_cast<std::uint32_t>(r.ts_ns / 1'000'000'000));
        put32le(out, static_cast<std::uint32_t>(sub));
        put32le(out, static_cast<std::uint32_t>(r.frame.size()));
        put32le(out, static_cast<std::uint32_t>(r.frame.size()));
        append(out, r.frame);
    }
    return out;
}

// A pcapng file: section header, one interface (nanosecond resolution), enhanced packets.
inline Bytes pcapng_file(std::uint16_t link_type, const std::vector<PcapRecord>& records) {
    Bytes out;
    put32le(out, 0x0a0d0d0a);  // SHB
    put32le(out, 28);
    put32le(out, 0x1a2b3c4d);
    put16le(out, 1);
    put16le(out, 0);
    put32le(out, 0xffffffff);  // section length unknown
    put32le(out, 0xffffffff);
    put32le(out, 28);
    put32le(out, 1);  // IDB
    put32le(out, 32);
    put16le(out, link_type);
    put16le(out, 0);
    put32le(out, 65535);
    put16le(out, 9);  // if_tsresol
    put16le(out, 1);
    put8(out, 9);  // 10^-9
    put8(out, 0);
    put16le(out, 0);
    put16le(out, 0);  // opt_endofopt
    put16le(out, 0);
    put32le(out, 32);
    for (const auto& r : records) {
        const std::size_t padded = (r.frame.size() + 3) / 4 * 4;
        const auto length = static_cast<std::uint32_t>(32 + padded);
        const auto ts = static_cast<std::uint64_t>(r.ts_ns);
        put32le(out, 6);  // EPB
        put32le(out, length);
        put32le(out, 0);  // interface
        put32le(out, static_cast<std::uint32_t>(ts >> 32));
        put32le(out, static_cast<std::uint32_t>(ts & 0xffffffffu));
        put32le(out, static_cast<std::uint32_t>(r.frame.size()));
        put32le(out, static_cast<std::uint32_t>(r.frame.size()));
        append(out, r.frame);
        for (std::size_t i = r.frame.size(); i < padded; ++i)
            put8(out, 0);
        put32le(out, length);
    }
    return out;
}

}  // namespace amqpprox::pcap::test
