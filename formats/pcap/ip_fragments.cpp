#include "ip_fragments.hpp"

#include <algorithm>

namespace amqpprox::pcap {

namespace {
constexpr std::size_t kMaxDatagram = 65535;
}

Result<std::optional<amqp::Bytes>> IpFragments::add(std::int64_t ts_ns, const IpPacket& packet) {
    const FragmentInfo info = packet.fragment.value_or(FragmentInfo{});
    const std::size_t begin = info.offset;
    const std::size_t end = begin + packet.payload.size();
    if (end > kMaxDatagram) {
        return make_error(Errc::bad_fragment, packet.offset, static_cast<std::uint32_t>(end));
    }
    expire(ts_ns);

    const Key key{packet.src, packet.dst, packet.protocol, info.id};
    auto it = m_pending.find(key);
    if (it == m_pending.end()) {
        if (m_pending.size() >= m_limits.max_pending_datagrams) evict_oldest();
        it = m_pending.emplace(key, Pending{ts_ns, {}, {}, 0}).first;
    }
    Pending& pending = it->second;
    // A last fragment fixes the length; data beyond it, or a second different length,
    // means the fragments contradict each other: drop the datagram.
    std::size_t max_end = 0;
    for (const auto& [offset, bytes] : pending.pieces) {
        max_end = std::max(max_end, offset + bytes.size());
    }
    const bool contradicts =
        (!info.more && (max_end > end || (pending.total && *pending.total != end))) ||
        (pending.total && end > *pending.total);
    if (contradicts) {
        drop(it);
        return make_error(Errc::bad_fragment, packet.offset, static_cast<std::uint32_t>(end));
    }
    if (!info.more) pending.total = end;

    ++m_stats.fragments;
    auto [piece, inserted] = pending.pieces.try_emplace(begin);
    if (inserted || piece->second.size() < packet.payload.size()) {
        pending.bytes += packet.payload.size() - piece->second.size();
        m_pending_bytes += packet.payload.size() - piece->second.size();
        piece->second.assign(packet.payload.begin(), packet.payload.end());
    }

    if (auto whole = assemble(pending)) {
        m_pending_bytes -= pending.bytes;
        m_pending.erase(it);
        ++m_stats.reassembled;
        return whole;
    }
    while (m_pending_bytes > m_limits.max_pending_bytes && !m_pending.empty())
        evict_oldest();
    return std::optional<amqp::Bytes>{};
}

std::optional<amqp::Bytes> IpFragments::assemble(const Pending& pending) {
    if (!pending.total) return std::nullopt;
    std::size_t covered = 0;
    for (const auto& [offset, bytes] : pending.pieces) {
        if (offset > covered) return std::nullopt;
        covered = std::max(covered, offset + bytes.size());
    }
    if (covered < *pending.total) return std::nullopt;
    amqp::Bytes whole;
    whole.reserve(*pending.total);
    for (const auto& [offset, bytes] : pending.pieces) {
        // Overlaps keep the bytes already placed (first fragment by offset wins).
        const std::size_t skip = whole.size() - std::min(whole.size(), offset);
        if (skip < bytes.size()) {
            whole.insert(whole.end(), bytes.begin() + static_cast<std::ptrdiff_t>(skip),
                         bytes.end());
        }
    }
    whole.resize(*pending.total);
    return whole;
}

void IpFragments::expire(std::int64_t now_ns) {
    for (auto it = m_pending.begin(); it != m_pending.end();) {
        auto next = std::next(it);
        if (now_ns - it->second.first_ts_ns > m_limits.timeout_ns) drop(it);
        it = next;
    }
}

void IpFragments::evict_oldest() {
    auto oldest = std::ranges::min_element(
        m_pending, {}, [](const auto& entry) { return entry.second.first_ts_ns; });
    if (oldest != m_pending.end()) drop(oldest);
}

void IpFragments::drop(std::map<Key, Pending>::iterator it) {
    ++m_stats.dropped;
    m_stats.dropped_bytes += it->second.bytes;
    m_pending_bytes -= it->second.bytes;
    m_pending.erase(it);
}

}  // namespace amqpprox::pcap
