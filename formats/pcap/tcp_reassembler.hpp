// TCP stream following: turns segments (in capture order) into ordered byte streams per
// connection and direction. Sequence numbers wrap at 2^32; out-of-order segments wait in a
// bounded buffer; retransmitted and overlapping bytes are delivered once (the first copy
// seen wins); connections already open when the capture began start at the first segment
// seen with data. Bytes that never arrived are reported as a gap of exactly that many bytes
// when the buffer bound, both FINs, a RST or the end of the capture forces it: never skipped
// silently. Output goes to a TcpStreamSink, synchronously, from add() and finish().
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "formats/amqp/bytes.hpp"
#include "ip.hpp"
#include "tcp.hpp"

namespace amqpprox::pcap {

struct Endpoint {
    IpAddress address;
    std::uint16_t port = 0;

    auto operator<=>(const Endpoint&) const = default;
    std::string to_string() const;  // "1.2.3.4:5672", "[::1]:5672"
};

using ConnectionId = std::uint64_t;

// The originator sent the SYN (or, for a connection picked up mid-way, the first segment
// seen, or the receiver of a SYN-ACK): a later layer decides which side is the AMQP client.
enum class Side : std::uint8_t { originator, responder };
std::string_view to_string(Side side);

enum class CloseReason : std::uint8_t {
    fin,             // both directions sent FIN
    rst,             // either side reset
    end_of_capture,  // still open when the packets ran out
    reused,          // a new SYN with another sequence number took over the 4-tuple
    evicted,         // the least recently active, when too many connections were open
};
std::string_view to_string(CloseReason reason);

struct ConnectionInfo {
    ConnectionId id = 0;  // from 1, in the order connections are first seen
    Endpoint originator;
    Endpoint responder;
    bool saw_syn = false;  // false: picked up mid-stream
    std::int64_t ts_ns = 0;

    bool operator==(const ConnectionInfo&) const = default;
};

struct CloseInfo {
    ConnectionId id = 0;
    std::int64_t ts_ns = 0;
    CloseReason reason{};
    std::optional<Side> by;  // who sent the RST or the first FIN

    bool operator==(const CloseInfo&) const = default;
};

// Receives the streams. Callbacks must not call back into the reassembler.
class TcpStreamSink {
public:
    virtual ~TcpStreamSink() = default;
    virtual void on_open(const ConnectionInfo& connection) = 0;
    // The next bytes of one direction, in order; ts_ns is that of the segment that carried them.
    virtual void on_data(ConnectionId id, Side side, std::int64_t ts_ns, amqp::ByteView bytes) = 0;
    // `bytes` bytes of one direction are missing at this point of the stream.
    virtual void on_gap(ConnectionId id, Side side, std::int64_t ts_ns, std::uint64_t bytes) = 0;
    virtual void on_close(const CloseInfo& close) = 0;
};

struct ReassemblyLimits {
    std::size_t max_buffered_bytes = 4u << 20;  // out-of-order bytes held per direction
    std::size_t max_connections = 1u << 16;     // open at once; beyond, the idlest is closed
};

struct ReassemblyStats {
    std::uint64_t segments = 0;
    std::uint64_t ignored_segments = 0;  // no payload, SYN or open connection to belong to
    std::uint64_t duplicate_bytes = 0;   // retransmitted or overlapping, delivered once
    std::uint64_t gaps = 0;
    std::uint64_t gap_bytes = 0;
    std::uint64_t cut_segments = 0;  // cut by the snap length: their missing tail is a gap

    bool operator==(const ReassemblyStats&) const = default;
};

class TcpReassembler {
public:
    explicit TcpReassembler(TcpStreamSink& sink, ReassemblyLimits limits = {})
        : m_sink(sink), m_limits(limits) {}

    // One segment, in capture order, with the addresses of its IP packet.
    void add(std::int64_t ts_ns, const IpAddress& src, const IpAddress& dst,
             const TcpSegment& segment);
    // The end of the capture: reports what is missing and closes every open connection.
    void finish(std::int64_t ts_ns);

    std::size_t open_connections() const { return m_connections.size(); }
    // The earliest timestamp of out-of-order bytes held back: they are delivered later with
    // that timestamp, so a consumer that sorts by time must not pass it yet. nullopt: none.
    // Walks every open connection: call it now and then, not per segment.
    std::optional<std::int64_t> earliest_pending_ts() const;
    const ReassemblyStats& stats() const { return m_stats; }

private:
    struct Pending {
        amqp::Bytes data;
        std::int64_t ts_ns = 0;
    };
    // One direction. Positions are 64-bit offsets from the first byte followed, so
    // comparisons never see the 2^32 wrap of sequence numbers.
    struct HalfStream {
        bool started = false;
        std::uint32_t base_seq = 0;               // sequence number of position 0
        std::int64_t next = 0;                    // position of the next byte to deliver
        std::optional<std::int64_t> fin;          // position of the FIN
        std::map<std::int64_t, Pending> pending;  // out of order, non-overlapping, by position
        std::size_t pending_bytes = 0;

        // The position of `seq`, taken as the nearest to `next` (within 2^31 either way).
        std::int64_t position(std::uint32_t seq) const;
    };
    struct Connection {
        ConnectionInfo info;
        HalfStream halves[2];  // by Side
        std::optional<Side> first_fin;
        std::int64_t last_ts_ns = 0;
    };
    using Key = std::pair<Endpoint, Endpoint>;  // ordered: lower endpoint first
    // Every segment looks its connection up: a hash, not a tree of address comparisons.
    // Nothing depends on the order of the table (finish() and eviction sort by id).
    struct KeyHash {
        std::size_t operator()(const Key& key) const;
    };
    using Table = std::unordered_map<Key, Connection, KeyHash>;
    using Iterator = Table::iterator;

    Iterator open(const Key& key, std::int64_t ts_ns, const Endpoint& src, const Endpoint& dst,
                  const TcpSegment& segment);
    void insert(Connection& connection, Side side, std::int64_t position, amqp::ByteView bytes,
                std::int64_t ts_ns);
    void drain(Connection& connection, Side side);
    // The `bytes` after `begin` that a segment cut by the snap length did not carry.
    void cut_off(Connection& connection, Side side, std::int64_t begin, std::uint32_t bytes,
                 std::int64_t ts_ns);
    void skip_to_pending(Connection& connection, Side side, std::int64_t ts_ns);
    void flush(Connection& connection, Side side, std::int64_t ts_ns);
    void evict_idlest(std::int64_t ts_ns);
    void close(Iterator it, std::int64_t ts_ns, CloseReason reason, std::optional<Side> by);

    TcpStreamSink& m_sink;
    ReassemblyLimits m_limits;
    Table m_connections;
    ConnectionId m_last_id = 0;
    ReassemblyStats m_stats;
};

}  // namespace amqpprox::pcap
