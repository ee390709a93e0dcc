// Real captures through the whole pcap path (libpcap reader, packet decoder, TCP reassembler):
// the recovered streams must equal, byte for byte, the ones extracted into samples/amqp/*.bin,
// and the samples in samples/pcap must give an AMQP client stream and a server stream, no gaps.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <catch2/catch.hpp>

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
    std::uint64_t gaps = 0;

    void on_open(const ConnectionInfo& c) override {
        CHECK(c.saw_syn);
        CHECK(c.responder.port != 0);
        originator[c.id];
        responder[c.id];
    }
    void on_data(ConnectionId id, Side side, std::int64_t, amqp::ByteView bytes) override {
        (side == Side::originator ? originator : responder)[id] += amqp::as_chars(bytes);
    }
    void on_gap(ConnectionId, Side, std::int64_t, std::uint64_t) override { ++gaps; }
    void on_close(const CloseInfo& c) override { closed[c.id] = c.reason; }
};

Streams follow(const std::string& path) {
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
    CHECK(reassembler.stats().gaps == 0);
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
            // Some of these clients end with FIN, others (after their FIN) with a RST.
            CHECK(streams.closed.at(id) != CloseReason::end_of_capture);
        }
        CHECK_FALSE(std::filesystem::exists(kSamples + "/amqp/" + name + ".conn" +
                                            std::to_string(streams.originator.size() + 1) +
                                            ".client.bin"));
    }
}
