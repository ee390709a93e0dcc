// Real captures through the whole pcap path (libpcap reader, packet decoder, TCP reassembler):
// the recovered streams must equal, byte for byte, the ones extracted into samples/amqp/*.bin,
// and the samples in samples/pcap must give an AMQP client stream and a server stream, no gaps.
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>
#include <unistd.h>

#include "formats/pcap/packet_decoder.hpp"
#include "formats/pcap/pcap_file.hpp"
#include "formats/pcap/tcp_reassembler.hpp"

using namespace amqpprox::pcap;
namespace amqp = amqpprox::amqp;

namespace {

const std::string kSamples = AMQPPROX_SAMPLES_DIR;

struct Streams : TcpStreamSink {
    std::map<ConnectionId, std::string> originator;
    std::map<ConnectionId, std::string> responder;
    std::map<ConnectionId, CloseReason> closed;
    std::map<ConnectionId, ConnectionInfo> info;
    std::uint64_t gaps = 0;
    std::vector<std::tuple<Side, std::size_t, std::uint64_t>> gap_list;  // side, at, bytes
    ReassemblyStats stats;

    void on_open(const ConnectionInfo& c) override {
        info[c.id] = c;
        originator[c.id];
        responder[c.id];
    }
    void on_data(ConnectionId id, Side side, std::int64_t, amqp::ByteView bytes) override {
        (side == Side::originator ? originator : responder)[id] += amqp::as_chars(bytes);
    }
    void on_gap(ConnectionId id, Side side, std::int64_t, std::uint64_t bytes) override {
        ++gaps;
        gap_list.emplace_back(side, (side == Side::originator ? originator : responder)[id].size(),
                              bytes);
    }
    void on_close(const CloseInfo& c) override { closed[c.id] = c.reason; }
};

Streams follow(const std::string& path, bool allow_gaps = false) {
    auto file = PcapFile::open(path);
    REQUIRE(file.has_value());
    Streams streams;
    PacketDecoder decoder;
    TcpReassembler reassembler(streams);
    std::int64_t last_ts = 0;
    std::size_t packets = 0;
    while (true) {
        auto packet = file->next();
        REQUIRE(packet.has_value());
        if (!*packet) break;
        ++packets;
        last_ts = (*packet)->ts_ns;
        auto decoded = decoder.decode(last_ts, (*packet)->link_type, (*packet)->bytes);
        REQUIRE(decoded.has_value());
        if (decoded->kind == PacketKind::tcp) {
            reassembler.add(last_ts, decoded->src, decoded->dst, decoded->tcp);
        }
    }
    reassembler.finish(last_ts);
    CHECK(packets > 0);
    if (!allow_gaps) CHECK(reassembler.stats().gaps == 0);
    streams.stats = reassembler.stats();
    return streams;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("pcap: golden captures give back the extracted streams byte for byte", "[pcap][unit]") {
    for (const std::string name : {"amqp_tools", "raw_methods", "pika_session"}) {
        INFO(name);
        const Streams streams = follow(kSamples + "/amqp/" + name + ".pcap");
        CHECK(streams.gaps == 0);
        REQUIRE_FALSE(streams.originator.empty());
        for (const auto& [id, client] : streams.originator) {
            const std::string base = kSamples + "/amqp/" + name + ".conn" + std::to_string(id);
            INFO("connection " << id);
            CHECK(client == slurp(base + ".client.bin"));
            CHECK(streams.responder.at(id) == slurp(base + ".server.bin"));
            CHECK(streams.info.at(id).saw_syn);
            // Some of these clients end with FIN, others (after their FIN) with a RST.
            CHECK(streams.closed.at(id) != CloseReason::end_of_capture);
        }
        CHECK_FALSE(std::filesystem::exists(kSamples + "/amqp/" + name + ".conn" +
                                            std::to_string(streams.originator.size() + 1) +
                                            ".client.bin"));
    }
}

TEST_CASE("pcap: the pcap samples (Ethernet, cooked v2, pcapng, gzip) give one whole session",
          "[pcap][unit]") {
    std::optional<Streams> first;
    for (const std::string name :
         {"pika_lo.pcap", "pika_any.pcap", "pika_lo.pcapng", "pika_lo.pcap.gz"}) {
        INFO(name);
        const Streams streams = follow(kSamples + "/pcap/" + name);
        REQUIRE(streams.originator.size() == 1);
        const std::string& client = streams.originator.begin()->second;
        const std::string& server = streams.responder.begin()->second;
        CHECK(client.starts_with(std::string_view("AMQP\x00\x00\x09\x01", 8)));
        // The broker speaks first after the header: Connection.Start on channel 0, a method
        // frame (type 1) whose payload starts with class 10, method 10.
        REQUIRE(server.size() > 11);
        CHECK(server.substr(0, 3) == std::string_view("\x01\x00\x00", 3));
        CHECK(server.substr(7, 4) == std::string_view("\x00\x0a\x00\x0a", 4));
        CHECK(server.back() == '\xce');  // ends on a whole frame
        CHECK(client.back() == '\xce');
        if (!first) {
            first = streams;
        } else {
            CHECK(client == first->originator.begin()->second);
            CHECK(server == first->responder.begin()->second);
        }
    }
}

TEST_CASE("pcap: a capture started mid-connection follows from the first data seen",
          "[pcap][unit]") {
    const Streams full = follow(kSamples + "/pcap/pika_lo.pcap");
    const Streams mid = follow(kSamples + "/pcap/pika_midstream.pcap");
    REQUIRE(mid.info.size() == 1);
    const ConnectionInfo& info = mid.info.begin()->second;
    CHECK_FALSE(info.saw_syn);
    CHECK(info.originator.port == 5797);  // the broker sent the first data seen
    const std::string& broker = mid.originator.begin()->second;
    const std::string& client = mid.responder.begin()->second;
    CHECK_FALSE(broker.empty());
    CHECK_FALSE(client.empty());
    CHECK(full.responder.begin()->second.ends_with(broker));
    CHECK(full.originator.begin()->second.ends_with(client));
    CHECK(full.responder.begin()->second.size() - broker.size() == 525);
    CHECK(full.originator.begin()->second.size() - client.size() == 383);
}

TEST_CASE("pcap: a lost segment is a gap of exactly its size, the rest follows", "[pcap][unit]") {
    const Streams full = follow(kSamples + "/pcap/pika_lo.pcap");
    const Streams lossy = follow(kSamples + "/pcap/pika_loss.pcap", true);
    using Gap = std::tuple<Side, std::size_t, std::uint64_t>;
    CHECK(lossy.gap_list == std::vector<Gap>{{Side::originator, 468, 36}});
    std::string expected = full.originator.begin()->second;
    expected.erase(468, 36);
    CHECK(lossy.originator.begin()->second == expected);
    CHECK(lossy.responder.begin()->second == full.responder.begin()->second);
}

TEST_CASE("pcap: packets cut by the snap length give a gap where each was cut", "[pcap][unit]") {
    const Streams full = follow(kSamples + "/pcap/pika_lo.pcap");
    const Streams cut = follow(kSamples + "/pcap/pika_snaplen.pcap", true);
    CHECK(cut.stats.cut_segments == 5);
    CHECK(cut.stats.gaps == 5);
    CHECK(cut.stats.gap_bytes == 847);  // frame.len - frame.cap_len, summed (tshark)
    // Each side is the whole stream with the gaps' bytes taken out at their places.
    for (const auto side : {Side::originator, Side::responder}) {
        const std::string& whole =
            (side == Side::originator ? full.originator : full.responder).begin()->second;
        std::string expected;
        std::size_t at_whole = 0;
        std::size_t at_cut = 0;
        for (const auto& [gap_side, at, bytes] : cut.gap_list) {
            if (gap_side != side) continue;
            expected += whole.substr(at_whole, at - at_cut);
            at_whole += at - at_cut + bytes;
            at_cut = at;
        }
        expected += whole.substr(at_whole);
        CHECK((side == Side::originator ? cut.originator : cut.responder).begin()->second ==
              expected);
    }
}

TEST_CASE("pcap: reordered and retransmitted segments give the same streams", "[pcap][unit]") {
    const Streams full = follow(kSamples + "/pcap/pika_lo.pcap");
    const Streams reordered = follow(kSamples + "/pcap/pika_reorder.pcap");
    CHECK(reordered.originator == full.originator);
    CHECK(reordered.responder == full.responder);
    CHECK(reordered.stats.duplicate_bytes == 28);
}

namespace {

// The whole path on a damaged file: every outcome is an error value or events, never a crash.
// Returns how many packets were read before the end or an error.
std::size_t follow_damaged(const std::string& path) {
    struct Quiet : TcpStreamSink {
        void on_open(const ConnectionInfo&) override {}
        void on_data(ConnectionId, Side, std::int64_t, amqp::ByteView) override {}
        void on_gap(ConnectionId, Side, std::int64_t, std::uint64_t) override {}
        void on_close(const CloseInfo&) override {}
    } sink;
    auto file = PcapFile::open(path);
    if (!file) return 0;
    PacketDecoder decoder;
    TcpReassembler reassembler(sink);
    std::size_t packets = 0;
    std::int64_t ts = 0;
    while (true) {
        auto packet = file->next();
        if (!packet || !*packet) break;
        ++packets;
        ts = (*packet)->ts_ns;
        auto decoded = decoder.decode(ts, (*packet)->link_type, (*packet)->bytes);
        if (decoded && decoded->kind == PacketKind::tcp) {
            reassembler.add(ts, decoded->src, decoded->dst, decoded->tcp);
        }
    }
    reassembler.finish(ts);
    CHECK(reassembler.open_connections() == 0);
    return packets;
}

}  // namespace

TEST_CASE("pcap: cut and corrupted captures give errors or gaps, never a crash", "[pcap][unit]") {
    const std::string original = slurp(kSamples + "/pcap/pika_lo.pcap");
    const auto path = std::filesystem::temp_directory_path() /
                      ("amqpprox-pcap-damaged-" + std::to_string(::getpid()) + ".pcap");
    auto write = [&](const std::string& bytes) {
        std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<long>(bytes.size()));
    };
    SECTION("cut every 97 bytes") {
        std::size_t last = 0;
        for (std::size_t size = 0; size < original.size(); size += 97) {
            write(original.substr(0, size));
            const std::size_t packets = follow_damaged(path.string());
            CHECK(packets >= last);  // a longer prefix never reads fewer packets
            last = packets;
        }
    }
    SECTION("random bytes flipped") {
        std::uint32_t state = 12345;  // a fixed LCG: the same damage on every run
        auto next = [&state] { return state = state * 1664525u + 1013904223u; };
        for (int round = 0; round < 300; ++round) {
            std::string damaged = original;
            for (int i = 0; i < 8; ++i) {
                // Spare the file header half the time, so packets get damaged, not the file.
                const std::size_t from = round % 2 == 0 ? 24 : 0;
                const std::size_t at = from + next() % (damaged.size() - from);
                damaged[at] = static_cast<char>(next() >> 24);
            }
            write(damaged);
            (void)follow_damaged(path.string());
        }
    }
    std::filesystem::remove(path);
}
