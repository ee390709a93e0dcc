// Link layers, IPv4/IPv6 and TCP decoding, from frames built byte by byte.
#include "formats/pcap/packet_decoder.hpp"

#include <list>

#include <catch2/catch.hpp>

#include "formats/pcap/link_layer.hpp"
#include "packet_builder.hpp"

using namespace amqpprox::pcap;
using namespace amqpprox::pcap::test;
namespace amqp = amqpprox::amqp;

namespace {

Bytes sample_segment() {
    return tcp(Tcp{.seq = 1000,
                   .ack = 7,
                   .flags = tcp_flag::ack | tcp_flag::psh,
                   .payload = text(std::string_view("AMQP\x00\x00\x09\x01", 8))});
}

Bytes v4_packet(amqp::ByteView transport = {}) {
    return transport.empty() ? ipv4({}, sample_segment()) : ipv4({}, transport);
}

Bytes v6_packet() {
    return ipv6(ip6(1), ip6(2), 6, sample_segment());
}

void check_sample(const Result<DecodedPacket>& decoded, bool v6) {
    REQUIRE(decoded.has_value());
    CHECK(decoded->kind == PacketKind::tcp);
    CHECK(decoded->src.v6 == v6);
    CHECK(decoded->src.to_string() == (v6 ? "fd00::1" : "10.0.0.1"));
    CHECK(decoded->dst.to_string() == (v6 ? "fd00::2" : "10.0.0.2"));
    CHECK(decoded->tcp.src_port == 40000);
    CHECK(decoded->tcp.dst_port == 5672);
    CHECK(decoded->tcp.seq == 1000);
    CHECK(decoded->tcp.ack == 7);
    CHECK(decoded->tcp.has(tcp_flag::psh));
    CHECK(amqp::as_chars(decoded->tcp.payload) == std::string_view("AMQP\x00\x00\x09\x01", 8));
}

// Decodes a frame kept alive for the rest of the run: the result's views point into it.
Result<DecodedPacket> decode(std::uint32_t type, Bytes frame) {
    static std::list<Bytes> frames;
    frames.push_back(std::move(frame));
    PacketDecoder decoder;
    return decoder.decode(0, type, frames.back());
}

struct Case {
    const char* name;
    std::uint32_t link_type;
    Bytes frame;
    bool v6;
};

std::vector<Case> every_link_type() {
    const Bytes v4 = v4_packet();
    const Bytes v6 = v6_packet();
    return {
        {"ethernet v4", link_type::ethernet, ethernet(0x0800, v4), false},
        {"ethernet v6", link_type::ethernet, ethernet(0x86dd, v6), true},
        {"ethernet 802.1Q", link_type::ethernet, ethernet(0x0800, v4, {0x2064}), false},
        {"ethernet QinQ", link_type::ethernet, ethernet(0x86dd, v6, {100, 200}), true},
        {"sll v4", link_type::linux_sll, sll(0x0800, v4), false},
        {"sll v6", link_type::linux_sll, sll(0x86dd, v6), true},
        {"sll2 v4", link_type::linux_sll2, sll2(0x0800, v4), false},
        {"sll2 v6", link_type::linux_sll2, sll2(0x86dd, v6), true},
        {"null le v4", link_type::null, null_le(2, v4), false},
        {"null be v4", link_type::null, null_be(2, v4), false},
        {"null le v6 linux", link_type::null, null_le(10, v6), true},
        {"null be v6 darwin", link_type::null, null_be(30, v6), true},
        {"null le v6 freebsd", link_type::null, null_le(28, v6), true},
        {"null le v6 netbsd", link_type::null, null_le(24, v6), true},
        {"loop v4", link_type::loop, null_be(2, v4), false},
        {"loop v6", link_type::loop, null_be(24, v6), true},
        {"raw v4", link_type::raw, v4, false},
        {"raw v6", link_type::raw, v6, true},
        {"raw (DLT 12) v4", link_type::raw_dlt12, v4, false},
        {"raw (DLT 14) v6", link_type::raw_dlt14, v6, true},
        {"ipv4", link_type::ipv4, v4, false},
        {"ipv6", link_type::ipv6, v6, true},
    };
}

}  // namespace

TEST_CASE("pcap: every link type and IP version decodes to the TCP segment", "[pcap][unit]") {
    for (const auto& c : every_link_type()) {
        INFO(c.name);
        check_sample(decode(c.link_type, c.frame), c.v6);
    }
}

// A snap length that cuts into the TCP payload leaves a segment that says how many bytes
// it lacks; one that cuts into any header is an error value.
TEST_CASE("pcap: a frame cut at any length is a shorter segment or an error value",
          "[pcap][unit]") {
    const std::string_view payload("AMQP\x00\x00\x09\x01", 8);
    for (const auto& c : every_link_type()) {
        const std::size_t payload_at = c.frame.size() - payload.size();
        for (std::size_t size = 0; size < c.frame.size(); ++size) {
            INFO(c.name << " cut at " << size);
            auto decoded = decode(
                c.link_type, Bytes(c.frame.begin(), c.frame.begin() + static_cast<long>(size)));
            if (size < payload_at) {
                REQUIRE_FALSE(decoded.has_value());
                CHECK(decoded.error().offset <= size);
                CHECK_FALSE(decoded.error().message().empty());
                continue;
            }
            REQUIRE(decoded.has_value());
            CHECK(amqp::as_chars(decoded->tcp.payload) == payload.substr(0, size - payload_at));
            CHECK(decoded->tcp.cut == c.frame.size() - size);
        }
    }
}

TEST_CASE("pcap: VLAN ids are reported outermost first", "[pcap][unit]") {
    auto link = decode_link(link_type::ethernet, ethernet(0x0800, v4_packet(), {0x3005, 7}));
    REQUIRE(link.has_value());
    CHECK(link->vlan_ids == std::vector<std::uint16_t>{5, 7});
    CHECK(link->offset == 22);
    auto decoded = decode(link_type::ethernet, ethernet(0x0800, v4_packet(), {0x3005, 7}));
    REQUIRE(decoded.has_value());
    CHECK(decoded->vlan_ids == std::vector<std::uint16_t>{5, 7});
}

TEST_CASE("pcap: link-layer errors and non-IP frames", "[pcap][unit]") {
    CHECK(decode(147, v4_packet()).error() == Error{Errc::unsupported_link_type, 0, 147});
    CHECK_FALSE(is_supported_link_type(147));
    CHECK(is_supported_link_type(link_type::linux_sll2));
    const auto nine_tags = ethernet(0x0800, v4_packet(), {1, 2, 3, 4, 5, 6, 7, 8, 9});
    CHECK(decode(link_type::ethernet, nine_tags).error().code == Errc::too_many_vlan_tags);

    auto arp = decode(link_type::ethernet, ethernet(0x0806, text("arp...")));
    REQUIRE(arp.has_value());
    CHECK(arp->kind == PacketKind::not_ip);
    auto other_family = decode(link_type::null, null_le(7, v4_packet()));
    REQUIRE(other_family.has_value());
    CHECK(other_family->kind == PacketKind::not_ip);
    // Raw IP with a version nibble that is neither 4 nor 6.
    CHECK(decode(link_type::raw, text("\x50\x00")).error() == Error{Errc::bad_ip_version, 0, 5});
    // An Ethernet frame saying IPv4 around an IPv6 packet.
    CHECK(decode(link_type::ethernet, ethernet(0x0800, v6_packet())).error() ==
          Error{Errc::bad_ip_version, 14, 6});
}

TEST_CASE("pcap: IPv4 options, padding, TSO and header errors", "[pcap][unit]") {
    SECTION("options are skipped") {
        check_sample(decode(link_type::raw, ipv4({.option_words = 3}, sample_segment())), false);
    }
    SECTION("Ethernet padding after the datagram is not payload") {
        Bytes frame = ethernet(0x0800, v4_packet());
        for (int i = 0; i < 6; ++i)
            frame.push_back(std::byte{0});
        check_sample(decode(link_type::ethernet, frame), false);
    }
    SECTION("total length 0 (TSO) takes the captured length") {
        check_sample(decode(link_type::raw, ipv4({.total_length_override = 0}, sample_segment())),
                     false);
    }
    SECTION("IHL below 5") {
        Bytes packet = v4_packet();
        packet[0] = std::byte{0x44};
        CHECK(decode(link_type::raw, packet).error() == Error{Errc::bad_ip_header_length, 0, 16});
    }
    SECTION("total length below the header") {
        CHECK(
            decode(link_type::raw, ipv4({.total_length_override = 19}, sample_segment())).error() ==
            Error{Errc::bad_ip_header_length, 0, 20});
    }
    SECTION("total length beyond the capture (snap length)") {
        const auto segment = sample_segment();
        auto cut = decode(link_type::raw, ipv4({.total_length_override = 2000}, segment));
        REQUIRE(cut.has_value());
        CHECK(cut->tcp.payload.size() == 8);
        CHECK(cut->tcp.cut == 2000 - 20 - segment.size());
    }
    SECTION("UDP is not TCP") {
        auto udp = decode(link_type::raw, ipv4({.protocol = 17}, text("12345678")));
        REQUIRE(udp.has_value());
        CHECK(udp->kind == PacketKind::not_tcp);
        CHECK(udp->protocol == 17);
    }
}

TEST_CASE("pcap: TCP header length and options", "[pcap][unit]") {
    Tcp with_options{.seq = 1000,
                     .ack = 7,
                     .flags = tcp_flag::ack | tcp_flag::psh,
                     .payload = text(std::string_view("AMQP\x00\x00\x09\x01", 8)),
                     .option_words = 3};
    check_sample(decode(link_type::raw, ipv4({}, tcp(with_options))), false);

    Bytes segment = sample_segment();
    segment[12] = std::byte{0x40};  // data offset 4 words
    CHECK(decode(link_type::raw, ipv4({}, segment)).error() ==
          Error{Errc::bad_tcp_header_length, 20, 16});
    segment[12] = std::byte{0xf0};  // 60 bytes, beyond the 28 there are
    CHECK(decode(link_type::raw, ipv4({}, segment)).error() ==
          Error{Errc::bad_tcp_header_length, 20, 60});
}

TEST_CASE("pcap: IPv6 extension headers are skipped", "[pcap][unit]") {
    // hop-by-hop -> routing (16 bytes) -> destination options -> TCP
    const Bytes body =
        concat({ipv6_extension(43), ipv6_extension(60, 1), ipv6_extension(6), sample_segment()});
    auto decoded = decode(link_type::raw, ipv6(ip6(1), ip6(2), 0, body));
    check_sample(decoded, true);
    CHECK(decoded->tcp.offset == 40 + 8 + 16 + 8 + 20);

    SECTION("atomic fragment header") {
        check_sample(
            decode(link_type::raw, ipv6(ip6(1), ip6(2), 44,
                                        concat({ipv6_fragment(6, 9, 0, false), sample_segment()}))),
            true);
    }
    SECTION("ESP cannot be looked through") {
        CHECK(decode(link_type::raw, ipv6(ip6(1), ip6(2), 50, sample_segment())).error().code ==
              Errc::bad_ipv6_extension);
    }
    SECTION("an endless chain is cut off") {
        Bytes chain;
        for (int i = 0; i < 20; ++i)
            append(chain, ipv6_extension(60));
        append(chain, sample_segment());
        CHECK(decode(link_type::raw, ipv6(ip6(1), ip6(2), 60, chain)).error().code ==
              Errc::bad_ipv6_extension);
    }
    SECTION("an extension header beyond the payload") {
        CHECK(decode(link_type::raw, ipv6(ip6(1), ip6(2), 0, Bytes(4))).error() ==
              Error{Errc::truncated, 40, 8});
    }
}

namespace {

// Splits `transport` into IPv4 fragments of `piece` bytes (a multiple of 8).
std::vector<Bytes> ipv4_fragments(const Bytes& transport, std::size_t piece, std::uint16_t id) {
    std::vector<Bytes> out;
    for (std::size_t at = 0; at < transport.size(); at += piece) {
        const std::size_t n = std::min(piece, transport.size() - at);
        const Bytes part(transport.begin() + static_cast<long>(at),
                         transport.begin() + static_cast<long>(at + n));
        out.push_back(ipv4({.id = id,
                            .more_fragments = at + n < transport.size(),
                            .fragment_offset = static_cast<std::uint16_t>(at)},
                           part));
    }
    return out;
}

Bytes big_segment() {
    Bytes payload;
    for (int i = 0; i < 100; ++i)
        payload.push_back(static_cast<std::byte>(i));
    return tcp(Tcp{.seq = 5, .payload = payload});
}

}  // namespace

TEST_CASE("pcap: IPv4 fragments are reassembled in and out of order", "[pcap][unit]") {
    const Bytes segment = big_segment();
    auto fragments = ipv4_fragments(segment, 32, 77);
    REQUIRE(fragments.size() == 4);
    SECTION("in order") {}
    SECTION("reversed") {
        std::reverse(fragments.begin(), fragments.end());
    }
    SECTION("shuffled with a duplicate") {
        fragments = {fragments[2], fragments[0], fragments[2], fragments[3], fragments[1]};
    }
    PacketDecoder decoder;
    for (std::size_t i = 0; i + 1 < fragments.size(); ++i) {
        auto held = decoder.decode(0, link_type::raw, fragments[i]);
        REQUIRE(held.has_value());
        CHECK(held->kind == PacketKind::fragment_held);
    }
    auto whole = decoder.decode(0, link_type::raw, fragments.back());
    REQUIRE(whole.has_value());
    CHECK(whole->kind == PacketKind::tcp);
    CHECK(whole->reassembled);
    CHECK(whole->tcp.seq == 5);
    CHECK(std::ranges::equal(whole->tcp.payload, Bytes(segment.begin() + 20, segment.end())));
    CHECK(decoder.fragment_stats().reassembled == 1);
}

TEST_CASE("pcap: an IP fragment cut by the snap length is an error", "[pcap][unit]") {
    const auto fragments = ipv4_fragments(big_segment(), 32, 77);
    const Bytes& first = fragments.front();
    PacketDecoder decoder;
    auto cut = decoder.decode(0, link_type::raw, Bytes(first.begin(), first.end() - 4));
    REQUIRE_FALSE(cut.has_value());
    CHECK(cut.error().code == Errc::truncated);
}

TEST_CASE("pcap: IPv4 fragments of other datagrams do not mix; limits evict", "[pcap][unit]") {
    const Bytes segment = big_segment();
    const auto a = ipv4_fragments(segment, 48, 1);
    const auto b = ipv4_fragments(segment, 48, 2);
    SECTION("interleaved datagrams") {
        PacketDecoder decoder;
        CHECK(decoder.decode(0, link_type::raw, a[0])->kind == PacketKind::fragment_held);
        CHECK(decoder.decode(0, link_type::raw, b[1])->kind == PacketKind::fragment_held);
        CHECK(decoder.decode(0, link_type::raw, a[1])->kind == PacketKind::fragment_held);
        CHECK(decoder.decode(0, link_type::raw, a[2])->kind == PacketKind::tcp);
        CHECK(decoder.decode(0, link_type::raw, b[0])->kind == PacketKind::fragment_held);
        CHECK(decoder.decode(0, link_type::raw, b[2])->kind == PacketKind::tcp);
    }
    SECTION("a datagram older than the timeout is dropped, counted") {
        PacketDecoder decoder(FragmentLimits{.timeout_ns = 1000});
        CHECK(decoder.decode(0, link_type::raw, a[0])->kind == PacketKind::fragment_held);
        CHECK(decoder.decode(0, link_type::raw, a[1])->kind == PacketKind::fragment_held);
        CHECK(decoder.decode(5000, link_type::raw, a[2])->kind == PacketKind::fragment_held);
        CHECK(decoder.fragment_stats().dropped == 1);
        CHECK(decoder.fragment_stats().dropped_bytes == 96);
    }
    SECTION("held bytes are bounded") {
        IpFragments fragments(FragmentLimits{.max_pending_bytes = 100});
        for (std::uint16_t id = 0; id < 10; ++id) {
            const auto pieces = ipv4_fragments(segment, 48, id);
            auto ip = decode_ipv4(pieces[0]);
            REQUIRE(ip.has_value());
            REQUIRE(fragments.add(0, *ip).has_value());
            CHECK(fragments.pending_bytes() <= 100);
        }
        CHECK(fragments.stats().dropped == 8);
    }
    SECTION("contradicting last fragments") {
        PacketDecoder decoder;
        CHECK(decoder.decode(0, link_type::raw, a[1])->kind == PacketKind::fragment_held);
        // A last fragment ending before data already held.
        const Bytes early_end =
            ipv4({.id = 1, .more_fragments = false, .fragment_offset = 8}, Bytes(16));
        CHECK(decoder.decode(0, link_type::raw, early_end).error().code == Errc::bad_fragment);
    }
    SECTION("a fragment ending beyond 65535 bytes") {
        const Bytes far =
            ipv4({.id = 3, .more_fragments = true, .fragment_offset = 65528}, Bytes(16));
        CHECK(decode(link_type::raw, far).error().code == Errc::bad_fragment);
    }
}

TEST_CASE("pcap: IPv6 fragments are reassembled", "[pcap][unit]") {
    const Bytes segment = big_segment();
    const Bytes first(segment.begin(), segment.begin() + 56);
    const Bytes second(segment.begin() + 56, segment.end());
    const auto frag1 =
        ipv6(ip6(1), ip6(2), 44, concat({ipv6_fragment(6, 0xabcdef, 0, true), first}));
    const auto frag2 =
        ipv6(ip6(1), ip6(2), 0,
             concat({ipv6_extension(44), ipv6_fragment(6, 0xabcdef, 56, false), second}));
    PacketDecoder decoder;
    CHECK(decoder.decode(0, link_type::raw, frag2)->kind == PacketKind::fragment_held);
    auto whole = decoder.decode(0, link_type::raw, frag1);
    REQUIRE(whole.has_value());
    REQUIRE(whole->kind == PacketKind::tcp);
    CHECK(whole->src.v6);
    CHECK(std::ranges::equal(whole->tcp.payload, Bytes(segment.begin() + 20, segment.end())));
}

TEST_CASE("pcap: IPv6 headers after the fragment header are skipped once reassembled",
          "[pcap][unit]") {
    const Bytes segment = big_segment();
    // The fragmentable part: destination options, then the TCP segment.
    const Bytes whole = concat({ipv6_extension(6), segment});
    const Bytes first(whole.begin(), whole.begin() + 64);
    const Bytes second(whole.begin() + 64, whole.end());
    PacketDecoder decoder;
    auto held =
        decoder.decode(0, link_type::raw,
                       ipv6(ip6(1), ip6(2), 44, concat({ipv6_fragment(60, 5, 64, false), second})));
    REQUIRE(held.has_value());
    CHECK(held->kind == PacketKind::fragment_held);
    auto done =
        decoder.decode(0, link_type::raw,
                       ipv6(ip6(1), ip6(2), 44, concat({ipv6_fragment(60, 5, 0, true), first})));
    REQUIRE(done.has_value());
    REQUIRE(done->kind == PacketKind::tcp);
    CHECK(done->tcp.offset == 8 + 20);
    CHECK(std::ranges::equal(done->tcp.payload, Bytes(segment.begin() + 20, segment.end())));
}

TEST_CASE("pcap: fragments of other protocols are not held", "[pcap][unit]") {
    PacketDecoder decoder;
    auto udp = decoder.decode(0, link_type::raw,
                              ipv4({.protocol = 17, .more_fragments = true}, Bytes(64)));
    REQUIRE(udp.has_value());
    CHECK(udp->kind == PacketKind::not_tcp);
    CHECK(decoder.fragment_stats().fragments == 0);
}
