#include "tcp_reassembler.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace amqpprox::pcap {

namespace {

std::size_t index(Side side) {
    return static_cast<std::size_t>(side);
}

std::size_t to_size(std::int64_t n) {
    return static_cast<std::size_t>(n);
}

}  // namespace

std::string Endpoint::to_string() const {
    const std::string host = address.to_string();
    return (address.v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string_view to_string(Side side) {
    return side == Side::originator ? "originator" : "responder";
}

std::string_view to_string(CloseReason reason) {
    switch (reason) {
        case CloseReason::fin:
            return "fin";
        case CloseReason::rst:
            return "rst";
        case CloseReason::end_of_capture:
            return "end of capture";
        case CloseReason::reused:
            return "reused";
        case CloseReason::evicted:
            return "evicted";
    }
    return "unknown";
}

std::size_t TcpReassembler::KeyHash::operator()(const Key& key) const {
    // FNV-1a over both ends' addresses and ports.
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&h](std::uint64_t v) {
        h ^= v;
        h *= 1099511628211ull;
    };
    for (const Endpoint* end : {&key.first, &key.second}) {
        std::uint64_t words[2] = {};
        std::memcpy(words, end->address.bytes.data(), sizeof words);
        mix(words[0]);
        mix(words[1]);
        mix(std::uint64_t{end->port} << 1 | (end->address.v6 ? 1u : 0u));
    }
    return static_cast<std::size_t>(h ^ (h >> 29));
}

std::int64_t TcpReassembler::HalfStream::position(std::uint32_t seq) const {
    const auto next_seq = static_cast<std::uint32_t>(base_seq + static_cast<std::uint64_t>(next));
    // Modular difference read as signed: C++20 defines the conversion.
    return next + static_cast<std::int32_t>(seq - next_seq);
}

void TcpReassembler::add(std::int64_t ts_ns, const IpAddress& src_ip, const IpAddress& dst_ip,
                         const TcpSegment& segment) {
    ++m_stats.segments;
    const Endpoint src{src_ip, segment.src_port};
    const Endpoint dst{dst_ip, segment.dst_port};
    const Key key = src < dst ? Key{src, dst} : Key{dst, src};
    const bool syn = segment.has(tcp_flag::syn);
    const bool fin = segment.has(tcp_flag::fin);
    const bool rst = segment.has(tcp_flag::rst);

    auto it = m_connections.find(key);
    if (it != m_connections.end() && syn && !segment.has(tcp_flag::ack) &&
        it->second.info.originator == src) {
        // A SYN on a known 4-tuple is a retransmission, or the port was reused by a new
        // connection whose end we did not see.
        const HalfStream& half = it->second.halves[index(Side::originator)];
        if (half.started && half.base_seq != segment.seq + 1u) {
            close(it, ts_ns, CloseReason::reused, std::nullopt);
            it = m_connections.end();
        }
    }
    if (it == m_connections.end()) {
        if (rst || (!syn && segment.payload.empty())) {
            ++m_stats.ignored_segments;  // e.g. the last ACK after both FINs
            return;
        }
        it = open(key, ts_ns, src, dst, segment);
    }
    Connection& connection = it->second;
    connection.last_ts_ns = ts_ns;
    const Side side = connection.info.originator == src ? Side::originator : Side::responder;
    if (rst) {
        close(it, ts_ns, CloseReason::rst, side);
        return;
    }

    HalfStream& half = connection.halves[index(side)];
    if (!half.started) {
        if (!syn && !fin && segment.payload.empty()) {
            ++m_stats.ignored_segments;
            return;
        }
        half.started = true;
        half.base_seq = syn ? segment.seq + 1u : segment.seq;
    }
    // SYN takes one sequence number: its data (TCP Fast Open) starts after it.
    const std::int64_t position = half.position(syn ? segment.seq + 1u : segment.seq);
    const std::int64_t end = position + static_cast<std::int64_t>(segment.payload.size());
    if (fin && !half.fin) {
        half.fin = end + segment.cut;
        if (!connection.first_fin) connection.first_fin = side;
    }
    if (!segment.payload.empty()) insert(connection, side, position, segment.payload, ts_ns);
    if (segment.cut != 0) cut_off(connection, side, end, segment.cut, ts_ns);
    while (half.pending_bytes > m_limits.max_buffered_bytes) {
        skip_to_pending(connection, side, ts_ns);
    }
    // Once both sides sent FIN nothing more is coming: whatever is still missing is lost.
    if (connection.halves[0].fin && connection.halves[1].fin) {
        close(it, ts_ns, CloseReason::fin, connection.first_fin);
    }
}

std::optional<std::int64_t> TcpReassembler::earliest_pending_ts() const {
    std::optional<std::int64_t> earliest;
    for (const auto& [key, connection] : m_connections) {
        for (const auto& half : connection.halves) {
            for (const auto& [position, pending] : half.pending) {
                if (!earliest || pending.ts_ns < *earliest) earliest = pending.ts_ns;
            }
        }
    }
    return earliest;
}

void TcpReassembler::finish(std::int64_t ts_ns) {
    std::vector<Iterator> open;
    for (auto it = m_connections.begin(); it != m_connections.end(); ++it)
        open.push_back(it);
    std::ranges::sort(open, {}, [](Iterator it) { return it->second.info.id; });
    for (Iterator it : open)
        close(it, ts_ns, CloseReason::end_of_capture, std::nullopt);
}

TcpReassembler::Iterator TcpReassembler::open(const Key& key, std::int64_t ts_ns,
                                              const Endpoint& src, const Endpoint& dst,
                                              const TcpSegment& segment) {
    if (m_connections.size() >= m_limits.max_connections) evict_idlest(ts_ns);
    Connection connection;
    connection.info.id = ++m_last_id;
    connection.info.ts_ns = ts_ns;
    const bool syn_ack = segment.has(tcp_flag::syn) && segment.has(tcp_flag::ack);
    connection.info.saw_syn = segment.has(tcp_flag::syn);
    // A SYN-ACK comes from the responder (the SYN was not captured).
    connection.info.originator = syn_ack ? dst : src;
    connection.info.responder = syn_ack ? src : dst;
    auto it = m_connections.emplace(key, std::move(connection)).first;
    m_sink.on_open(it->second.info);
    return it;
}

void TcpReassembler::insert(Connection& connection, Side side, std::int64_t begin,
                            amqp::ByteView bytes, std::int64_t ts_ns) {
    HalfStream& half = connection.halves[index(side)];
    std::int64_t end = begin + static_cast<std::int64_t>(bytes.size());
    if (end <= half.next) {
        m_stats.duplicate_bytes += bytes.size();
        return;
    }
    if (begin < half.next) {
        m_stats.duplicate_bytes += to_size(half.next - begin);
        bytes = bytes.subspan(to_size(half.next - begin));
        begin = half.next;
    }
    const bool in_order = begin == half.next;
    if (in_order && (half.pending.empty() || half.pending.begin()->first >= end)) {
        // In order: deliver straight from the packet, then whatever it makes contiguous.
        half.next = end;
        m_sink.on_data(connection.info.id, side, ts_ns, bytes);
        drain(connection, side);
        return;
    }

    // Out of order (or in order over buffered bytes): keep only the bytes no buffered segment holds
    // yet, so the buffer never overlaps itself.
    auto after = half.pending.upper_bound(begin);
    if (after != half.pending.begin()) {
        const auto before = std::prev(after);
        const std::int64_t before_end =
            before->first + static_cast<std::int64_t>(before->second.data.size());
        if (before_end >= end) {
            m_stats.duplicate_bytes += bytes.size();
            return;
        }
        if (before_end > begin) {
            m_stats.duplicate_bytes += to_size(before_end - begin);
            bytes = bytes.subspan(to_size(before_end - begin));
            begin = before_end;
        }
    }
    // Bytes that buffered segments already hold stay as they are (the first copy wins): the
    // new segment only fills the holes around them.
    while (begin < end) {
        const bool inside = after != half.pending.end() && after->first < end;
        const std::int64_t piece_end = inside ? after->first : end;
        if (piece_end > begin) {
            const std::size_t n = to_size(piece_end - begin);
            const amqp::ByteView piece = bytes.first(n);
            half.pending.emplace(begin, Pending{amqp::Bytes(piece.begin(), piece.end()), ts_ns});
            half.pending_bytes += n;
        }
        if (!inside) break;
        const std::int64_t held_end =
            after->first + static_cast<std::int64_t>(after->second.data.size());
        const std::int64_t resume = std::min(held_end, end);
        m_stats.duplicate_bytes += to_size(resume - piece_end);
        bytes = bytes.subspan(to_size(resume - begin));
        begin = resume;
        ++after;
    }
    if (in_order) drain(connection, side);
}

void TcpReassembler::drain(Connection& connection, Side side) {
    HalfStream& half = connection.halves[index(side)];
    while (!half.pending.empty() && half.pending.begin()->first <= half.next) {
        auto first = half.pending.begin();
        const amqp::ByteView data = first->second.data;
        const std::int64_t end = first->first + static_cast<std::int64_t>(data.size());
        if (end > half.next) {
            const std::size_t skip = to_size(half.next - first->first);
            m_stats.duplicate_bytes += skip;
            half.next = end;
            m_sink.on_data(connection.info.id, side, first->second.ts_ns, data.subspan(skip));
        } else {
            m_stats.duplicate_bytes += data.size();
        }
        half.pending_bytes -= data.size();
        half.pending.erase(first);
    }
}

void TcpReassembler::cut_off(Connection& connection, Side side, std::int64_t begin,
                             std::uint32_t bytes, std::int64_t ts_ns) {
    HalfStream& half = connection.halves[index(side)];
    ++m_stats.cut_segments;
    // Reported where it happened when the stream has reached it; a cut segment that came
    // out of order leaves a hole that is reported, like any other, when it is given up on.
    if (half.next != begin) return;
    ++m_stats.gaps;
    m_stats.gap_bytes += bytes;
    m_sink.on_gap(connection.info.id, side, ts_ns, bytes);
    half.next = begin + bytes;
    drain(connection, side);  // buffered bytes from past the cut; any inside it count as duplicates
}

void TcpReassembler::skip_to_pending(Connection& connection, Side side, std::int64_t ts_ns) {
    HalfStream& half = connection.halves[index(side)];
    if (half.pending.empty()) return;
    const std::int64_t missing = half.pending.begin()->first - half.next;
    ++m_stats.gaps;
    m_stats.gap_bytes += to_size(missing);
    m_sink.on_gap(connection.info.id, side, ts_ns, static_cast<std::uint64_t>(missing));
    half.next = half.pending.begin()->first;
    drain(connection, side);
}

void TcpReassembler::flush(Connection& connection, Side side, std::int64_t ts_ns) {
    HalfStream& half = connection.halves[index(side)];
    while (!half.pending.empty())
        skip_to_pending(connection, side, ts_ns);
    if (half.fin && *half.fin > half.next) {
        // Bytes before the FIN that never arrived.
        const std::int64_t missing = *half.fin - half.next;
        ++m_stats.gaps;
        m_stats.gap_bytes += to_size(missing);
        m_sink.on_gap(connection.info.id, side, ts_ns, static_cast<std::uint64_t>(missing));
        half.next = *half.fin;
    }
}

void TcpReassembler::evict_idlest(std::int64_t ts_ns) {
    // A linear scan: it only runs when the table is full, which a sane limit makes rare.
    auto idlest = std::ranges::min_element(m_connections, {}, [](const auto& entry) {
        return std::pair(entry.second.last_ts_ns, entry.second.info.id);
    });
    if (idlest != m_connections.end()) {
        close(idlest, ts_ns, CloseReason::evicted, std::nullopt);
    }
}

void TcpReassembler::close(Iterator it, std::int64_t ts_ns, CloseReason reason,
                           std::optional<Side> by) {
    Connection& connection = it->second;
    flush(connection, Side::originator, ts_ns);
    flush(connection, Side::responder, ts_ns);
    m_sink.on_close(CloseInfo{connection.info.id, ts_ns, reason, by});
    m_connections.erase(it);
}

}  // namespace amqpprox::pcap
