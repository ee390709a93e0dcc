// TCP stream following: order, retransmission, overlap, wrap-around, mid-stream start, gaps.
#include "formats/pcap/tcp_reassembler.hpp"

#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "packet_builder.hpp"

using namespace amqpprox::pcap;
using namespace amqpprox::pcap::test;
namespace amqp = amqpprox::amqp;

namespace {

struct Opened {
    ConnectionInfo info;
    bool operator==(const Opened&) const = default;
};
struct Data {
    ConnectionId id;
    Side side;
    std::string bytes;
    bool operator==(const Data&) const = default;
};
struct Gap {
    ConnectionId id;
    Side side;
    std::uint64_t bytes;
    bool operator==(const Gap&) const = default;
};
struct Closed {
    CloseInfo info;
    bool operator==(const Closed&) const = default;
};
using Event = std::variant<Opened, Data, Gap, Closed>;

// Records events, merging consecutive data of one direction (segmenting is not the contract).
class Recorder : public TcpStreamSink {
public:
    std::vector<Event> events;

    void on_open(const ConnectionInfo& c) override { events.emplace_back(Opened{c}); }
    void on_data(ConnectionId id, Side side, std::int64_t, amqp::ByteView bytes) override {
        REQUIRE_FALSE(bytes.empty());
        if (!events.empty()) {
            if (auto* last = std::get_if<Data>(&events.back());
                last && last->id == id && last->side == side) {
                last->bytes += amqp::as_chars(bytes);
                return;
            }
        }
        events.emplace_back(Data{id, side, std::string(amqp::as_chars(bytes))});
    }
    void on_gap(ConnectionId id, Side side, std::int64_t, std::uint64_t bytes) override {
        events.emplace_back(Gap{id, side, bytes});
    }
    void on_close(const CloseInfo& c) override { events.emplace_back(Closed{c}); }

    std::string stream(Side side) const {
        std::string out;
        for (const auto& e : events) {
            if (auto* d = std::get_if<Data>(&e); d && d->side == side) out += d->bytes;
        }
        return out;
    }
};

const IpAddress kClient = IpAddress::v4_from(0x0a000001);
const IpAddress kServer = IpAddress::v4_from(0x0a000002);

struct Feeder {
    Recorder sink;
    TcpReassembler reassembler;
    std::int64_t ts = 0;
    explicit Feeder(ReassemblyLimits limits = {}) : reassembler(sink, limits) {}

    // Client -> server segment (ports 40000 -> 5672).
    void client(std::uint32_t seq, std::string_view payload, std::uint8_t flags = tcp_flag::ack,
                std::uint32_t cut = 0) {
        send(kClient, kServer, 40000, 5672, seq, payload, flags, cut);
    }
    void server(std::uint32_t seq, std::string_view payload, std::uint8_t flags = tcp_flag::ack) {
        send(kServer, kClient, 5672, 40000, seq, payload, flags);
    }
    void send(const IpAddress& src, const IpAddress& dst, std::uint16_t sport, std::uint16_t dport,
              std::uint32_t seq, std::string_view payload, std::uint8_t flags,
              std::uint32_t cut = 0) {
        Bytes wire = tcp(Tcp{.src_port = sport,
                             .dst_port = dport,
                             .seq = seq,
                             .flags = flags,
                             .payload = text(payload)});
        auto segment = decode_tcp(wire);
        REQUIRE(segment.has_value());
        segment->cut = cut;  // as the packet decoder sets it for a packet cut by the snap length
        reassembler.add(++ts, src, dst, *segment);
    }
};

const Endpoint kClientEnd{kClient, 40000};
const Endpoint kServerEnd{kServer, 5672};

Opened opened(bool syn, std::int64_t ts = 1) {
    return Opened{ConnectionInfo{1, kClientEnd, kServerEnd, syn, ts}};
}

}  // namespace

TEST_CASE("pcap: TCP in order with handshake and FIN close", "[pcap][unit]") {
    Feeder f;
    f.client(100, "", tcp_flag::syn);
    f.server(900, "", tcp_flag::syn | tcp_flag::ack);
    f.client(101, "");
    f.client(101, "AMQP");
    f.client(105, std::string_view("\x00\x00\x09\x01", 4));
    f.server(901, "hello");
    f.client(109, "", tcp_flag::fin | tcp_flag::ack);
    CHECK(f.reassembler.open_connections() == 1);
    f.server(906, "", tcp_flag::fin | tcp_flag::ack);
    f.client(110, "");  // last ACK: ignored
    const std::vector<Event> expected{
        opened(true),
        Data{1, Side::originator, std::string("AMQP\x00\x00\x09\x01", 8)},
        Data{1, Side::responder, "hello"},
        Closed{CloseInfo{1, 8, CloseReason::fin, Side::originator}},
    };
    CHECK(f.sink.events == expected);
    CHECK(f.reassembler.open_connections() == 0);
    CHECK(f.reassembler.stats().ignored_segments == 1);
    CHECK(f.reassembler.stats().gaps == 0);
}

TEST_CASE("pcap: TCP out of order, retransmission and overlap give each byte once",
          "[pcap][unit]") {
    Feeder f;
    f.client(0, "", tcp_flag::syn);
    f.client(11, "klmno");           // ahead
    f.client(6, "fghij");            // ahead, contiguous with the one above
    f.client(1, "abcde");            // fills the hole: everything up to 15 flows
    f.client(1, "abcde");            // retransmission
    f.client(3, "cdefghijklmnopq");  // overlaps delivered bytes, adds "pq"
    f.client(20, "tu");              // ahead
    f.client(19, "XXXX");            // around the buffered "tu", which was first: "X", "tu", "X"
    f.client(18, "r");
    f.reassembler.finish(100);
    CHECK(f.sink.stream(Side::originator) == "abcdefghijklmnopqrXtuX");
    CHECK(f.reassembler.stats().gaps == 0);
    CHECK(f.reassembler.stats().duplicate_bytes == 5 + 13 + 2);
    CHECK(std::get<Closed>(f.sink.events.back()).info.reason == CloseReason::end_of_capture);
}

TEST_CASE("pcap: TCP buffered segments overlapping each other", "[pcap][unit]") {
    Feeder f;
    f.client(0, "", tcp_flag::syn);
    f.client(5, "efgh");      // [5,9)
    f.client(3, "cdefghij");  // covers it: replaces it
    f.client(2, "bc");        // overlaps the front
    f.client(9, "i");         // inside
    f.client(1, "a");
    f.reassembler.finish(100);
    CHECK(f.sink.stream(Side::originator) == "abcdefghij");
    CHECK(f.reassembler.stats().gaps == 0);
}

TEST_CASE("pcap: TCP sequence numbers wrap around 2^32", "[pcap][unit]") {
    Feeder f;
    f.client(0xfffffff9u, "", tcp_flag::syn);  // data starts at 0xfffffffa
    f.client(0xfffffffau, "abc");
    f.client(0x00000001u, "hij");   // ahead, past the wrap
    f.client(0xfffffffdu, "defg");  // 0xfffffffd..0x00000000
    f.client(0x00000004u, "k");
    f.reassembler.finish(100);
    CHECK(f.sink.stream(Side::originator) == "abcdefghijk");
    CHECK(f.reassembler.stats().gaps == 0);
}

TEST_CASE("pcap: TCP connection already open when the capture began", "[pcap][unit]") {
    Feeder f;
    f.server(5000, "");  // a pure ACK opens nothing
    CHECK(f.sink.events.empty());
    f.client(123456, "mid-");  // first data: the stream starts here
    f.server(777, "reply");
    f.client(123460, "stream");
    f.client(123450, "old bytes");  // from before the capture began: not ours to report
    f.reassembler.finish(100);
    const std::vector<Event> expected{
        opened(false, 2),
        Data{1, Side::originator, "mid-"},
        Data{1, Side::responder, "reply"},
        Data{1, Side::originator, "stream"},
        Closed{CloseInfo{1, 100, CloseReason::end_of_capture, std::nullopt}},
    };
    CHECK(f.sink.events == expected);
}

TEST_CASE("pcap: TCP SYN-ACK without SYN names the originator", "[pcap][unit]") {
    Feeder f;
    f.server(900, "", tcp_flag::syn | tcp_flag::ack);
    f.client(101, "AMQP");
    f.reassembler.finish(10);
    REQUIRE(std::holds_alternative<Opened>(f.sink.events.front()));
    const auto& info = std::get<Opened>(f.sink.events.front()).info;
    CHECK(info.originator == kClientEnd);
    CHECK(info.saw_syn);
    CHECK(f.sink.stream(Side::originator) == "AMQP");
}

TEST_CASE("pcap: TCP missing bytes are a gap of exactly their size", "[pcap][unit]") {
    SECTION("at the end of the capture") {
        Feeder f;
        f.client(0, "", tcp_flag::syn);
        f.client(1, "abc");
        f.client(11, "xyz");  // 7 bytes (4..10) never arrive
        f.reassembler.finish(100);
        const std::vector<Event> expected{
            opened(true),
            Data{1, Side::originator, "abc"},
            Gap{1, Side::originator, 7},
            Data{1, Side::originator, "xyz"},
            Closed{CloseInfo{1, 100, CloseReason::end_of_capture, std::nullopt}},
        };
        CHECK(f.sink.events == expected);
        CHECK(f.reassembler.stats().gap_bytes == 7);
    }
    SECTION("when the buffer bound is reached") {
        Feeder f(ReassemblyLimits{.max_buffered_bytes = 8});
        f.client(0, "", tcp_flag::syn);
        f.client(1, "ab");
        f.client(6, "fghij");  // 3 missing, 5 held
        CHECK(f.reassembler.stats().gaps == 0);
        f.client(11, "klmn");  // 9 held > 8: the hole is given up
        CHECK(f.reassembler.stats().gaps == 1);
        f.client(3, "cde");  // too late: already reported missing
        f.client(15, "o");
        const std::vector<Event> expected{
            opened(true),
            Data{1, Side::originator, "ab"},
            Gap{1, Side::originator, 3},
            Data{1, Side::originator, "fghijklmno"},
        };
        CHECK(f.sink.events == expected);
    }
    SECTION("before a FIN, once both sides closed") {
        Feeder f;
        f.client(0, "", tcp_flag::syn);
        f.server(0, "", tcp_flag::syn | tcp_flag::ack);
        f.client(1, "abc");
        f.client(8, "h", tcp_flag::fin | tcp_flag::ack);  // 4 bytes (4..7) missing, then FIN
        f.server(1, "", tcp_flag::fin | tcp_flag::ack);
        const std::vector<Event> expected{
            opened(true),
            Data{1, Side::originator, "abc"},
            Gap{1, Side::originator, 4},
            Data{1, Side::originator, "h"},
            Closed{CloseInfo{1, 5, CloseReason::fin, Side::originator}},
        };
        CHECK(f.sink.events == expected);
    }
    SECTION("the last bytes before a FIN") {
        Feeder f;
        f.client(0, "", tcp_flag::syn);
        f.client(1, "abc");
        f.client(10, "", tcp_flag::fin | tcp_flag::ack);  // 6 bytes then FIN
        f.reassembler.finish(50);
        CHECK(f.sink.events.at(2) == Event{Gap{1, Side::originator, 6}});
    }
}

TEST_CASE("pcap: TCP RST closes at once and reports what is missing", "[pcap][unit]") {
    Feeder f;
    f.client(0, "", tcp_flag::syn);
    f.server(50, "", tcp_flag::syn | tcp_flag::ack);
    f.client(1, "abc");
    f.server(51, "xy");
    f.server(55, "z");  // 2 missing
    f.server(56, "", tcp_flag::rst);
    const std::vector<Event> expected{
        opened(true),
        Data{1, Side::originator, "abc"},
        Data{1, Side::responder, "xy"},
        Gap{1, Side::responder, 2},
        Data{1, Side::responder, "z"},
        Closed{CloseInfo{1, 6, CloseReason::rst, Side::responder}},
    };
    CHECK(f.sink.events == expected);
    CHECK(f.reassembler.open_connections() == 0);
    f.client(4, "", tcp_flag::rst);  // RST of an unknown connection opens nothing
    CHECK(f.sink.events.size() == expected.size());
}

TEST_CASE("pcap: TCP connections are kept apart; a reused 4-tuple is a new connection",
          "[pcap][unit]") {
    Feeder f;
    f.client(0, "", tcp_flag::syn);
    f.send(kClient, kServer, 40001, 5672, 500, "", tcp_flag::syn);
    f.client(1, "one");
    f.send(kClient, kServer, 40001, 5672, 501, "two", tcp_flag::ack);
    f.client(0, "", tcp_flag::syn);     // a retransmitted SYN changes nothing
    f.client(7000, "", tcp_flag::syn);  // the same ports, a new ISN: a new connection
    f.client(7001, "three");
    f.reassembler.finish(100);
    std::vector<std::string> summary;
    for (const auto& e : f.sink.events) {
        if (auto* o = std::get_if<Opened>(&e))
            summary.push_back("open " + std::to_string(o->info.id));
        if (auto* d = std::get_if<Data>(&e))
            summary.push_back(std::to_string(d->id) + " " + d->bytes);
        if (auto* c = std::get_if<Closed>(&e)) {
            summary.push_back("close " + std::to_string(c->info.id) + " " +
                              std::string(to_string(c->info.reason)));
        }
    }
    CHECK(summary == std::vector<std::string>{"open 1", "open 2", "1 one", "2 two",
                                              "close 1 reused", "open 3", "3 three",
                                              "close 2 end of capture", "close 3 end of capture"});
}

TEST_CASE("pcap: endpoints print as address:port", "[pcap][unit]") {
    CHECK(kClientEnd.to_string() == "10.0.0.1:40000");
    IpAddress v6;
    v6.v6 = true;
    v6.bytes[15] = 1;
    CHECK(Endpoint{v6, 5672}.to_string() == "[::1]:5672");
}

TEST_CASE("pcap: TCP bytes buffered first win over a later in-order copy", "[pcap][unit]") {
    Feeder f;
    f.client(0, "", tcp_flag::syn);
    f.client(4, "DE");      // buffered first
    f.client(1, "abcdef");  // in order, overlapping the buffered bytes
    f.reassembler.finish(10);
    CHECK(f.sink.stream(Side::originator) == "abcDEf");
    CHECK(f.reassembler.stats().duplicate_bytes == 2);
}

TEST_CASE("pcap: TCP connections beyond the limit evict the idlest", "[pcap][unit]") {
    Feeder f(ReassemblyLimits{.max_connections = 2});
    f.send(kClient, kServer, 1, 5672, 10, "a", tcp_flag::ack);
    f.send(kClient, kServer, 2, 5672, 10, "b", tcp_flag::ack);
    f.send(kClient, kServer, 1, 5672, 11, "c", tcp_flag::ack);  // 1 is active again
    f.send(kClient, kServer, 3, 5672, 10, "d", tcp_flag::ack);  // evicts 2
    CHECK(f.reassembler.open_connections() == 2);
    REQUIRE(std::holds_alternative<Closed>(f.sink.events.at(5)));
    CHECK(std::get<Closed>(f.sink.events.at(5)).info ==
          CloseInfo{2, 4, CloseReason::evicted, std::nullopt});
}

TEST_CASE("pcap: TCP segments cut by the snap length give a gap where they were cut",
          "[pcap][unit]") {
    Feeder f;
    f.client(0, "", tcp_flag::syn);
    f.client(1, "abc", tcp_flag::ack, 7);  // 10 bytes sent, 3 captured
    f.client(11, "klm");
    f.client(17, "qr");                   // ahead: waits
    f.client(14, "n", tcp_flag::ack, 2);  // fills up to 17 with 2 bytes cut: "qr" follows
    f.client(19, "st", tcp_flag::fin | tcp_flag::ack, 3);  // the FIN is after the cut bytes
    const std::vector<Event> expected{
        opened(true),
        Data{1, Side::originator, "abc"},
        Gap{1, Side::originator, 7},
        Data{1, Side::originator, "klmn"},
        Gap{1, Side::originator, 2},
        Data{1, Side::originator, "qrst"},
        Gap{1, Side::originator, 3},
    };
    CHECK(f.sink.events == expected);
    CHECK(f.reassembler.stats().cut_segments == 3);
    CHECK(f.reassembler.stats().gaps == 3);
    CHECK(f.reassembler.stats().gap_bytes == 12);
    // The FIN's place counts the cut bytes: once the server's FIN comes, nothing is missing.
    f.server(1, "", tcp_flag::fin | tcp_flag::ack);
    CHECK(f.reassembler.stats().gaps == 3);
    CHECK(f.reassembler.open_connections() == 0);
}

TEST_CASE("pcap: a cut segment whose bytes came already gives no gap", "[pcap][unit]") {
    Feeder f;
    f.client(0, "", tcp_flag::syn);
    f.client(1, "abcdef");                // the whole segment
    f.client(1, "ab", tcp_flag::ack, 4);  // a retransmission of it, cut
    f.reassembler.finish(100);
    CHECK(f.sink.stream(Side::originator) == "abcdef");
    CHECK(f.reassembler.stats().gaps == 0);
}
