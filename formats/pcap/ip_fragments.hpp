// IP fragment reassembly (IPv4 and IPv6) with bounded memory: datagrams wait at most
// `timeout_ns` of capture time, and at most `max_pending_bytes` are held in all; whatever is
// evicted incomplete is counted, never delivered in part.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <tuple>

#include "error.hpp"
#include "formats/amqp/bytes.hpp"
#include "ip.hpp"

namespace amqpprox::pcap {

struct FragmentLimits {
    std::size_t max_pending_bytes = 4u << 20;
    std::size_t max_pending_datagrams = 1024;
    std::int64_t timeout_ns = 30'000'000'000;  // RFC 791 suggests up to 15 s, Linux uses 30 s
};

struct FragmentStats {
    std::uint64_t fragments = 0;      // fragments accepted
    std::uint64_t reassembled = 0;    // datagrams completed
    std::uint64_t dropped = 0;        // datagrams evicted incomplete (timeout or limits)
    std::uint64_t dropped_bytes = 0;  // fragment bytes those datagrams held

    bool operator==(const FragmentStats&) const = default;
};

class IpFragments {
public:
    explicit IpFragments(FragmentLimits limits = {}) : m_limits(limits) {}

    // Adds one fragment (packet.fragment is set); returns the whole transport payload when
    // this fragment completes its datagram. Fragments that overlap keep the first bytes seen.
    Result<std::optional<amqp::Bytes>> add(std::int64_t ts_ns, const IpPacket& packet);

    const FragmentStats& stats() const { return m_stats; }
    std::size_t pending_bytes() const { return m_pending_bytes; }
    std::size_t pending_datagrams() const { return m_pending.size(); }

private:
    using Key = std::tuple<IpAddress, IpAddress, std::uint8_t, std::uint32_t>;
    struct Pending {
        std::int64_t first_ts_ns = 0;
        std::optional<std::size_t> total;           // known once the last fragment arrives
        std::map<std::size_t, amqp::Bytes> pieces;  // by offset
        std::size_t bytes = 0;
    };

    void expire(std::int64_t now_ns);
    void evict_oldest();
    void drop(std::map<Key, Pending>::iterator it);
    static std::optional<amqp::Bytes> assemble(const Pending& pending);

    FragmentLimits m_limits;
    std::map<Key, Pending> m_pending;
    std::size_t m_pending_bytes = 0;  // sum of Pending::bytes, bounded by the limits
    FragmentStats m_stats;
};

}  // namespace amqpprox::pcap
