#include "proxy/control/stats_collector.hpp"

#include <set>

namespace amqpprox::control {
namespace {

// Counters only grow; a smaller value would mean a reused id, so count it from zero.
std::uint64_t since(std::uint64_t now, std::uint64_t before) {
    return now >= before ? now - before : now;
}

SessionTraffic delta(const SessionTraffic& now, const SessionTraffic& before) {
    return {since(now.in_packets, before.in_packets), since(now.in_frames, before.in_frames),
            since(now.in_bytes, before.in_bytes),     since(now.out_packets, before.out_packets),
            since(now.out_frames, before.out_frames), since(now.out_bytes, before.out_bytes)};
}

void add_traffic(ConnectionStats& stats, const SessionTraffic& t) {
    stats.packets_received += t.in_packets;
    stats.frames_received += t.in_frames;
    stats.bytes_received += t.in_bytes;
    stats.packets_sent += t.out_packets;
    stats.frames_sent += t.out_frames;
    stats.bytes_sent += t.out_bytes;
}

// Applies `add` to every view the session belongs to.
template <typename Add>
void for_views(StatsSnapshot& snapshot, const SessionSample& s, Add add) {
    add(snapshot.overall);
    if (!s.vhost.empty()) add(snapshot.vhosts[s.vhost]);
    if (!s.backend.empty()) add(snapshot.backends[s.backend]);
    add(snapshot.sources[s.source]);
}

}  // namespace

void StatsCollector::session_ended(SessionSample last, SessionEnd how) {
    m_ended.push_back({std::move(last), how});
}

StatsSnapshot StatsCollector::tick(const std::vector<SessionSample>& live) {
    StatsSnapshot snapshot;
    std::set<std::uint64_t> ended_ids;
    for (const auto& [last, how] : m_ended) {
        ended_ids.insert(last.id);
        const auto before = m_previous.find(last.id);
        const auto traffic =
            before == m_previous.end() ? last.traffic : delta(last.traffic, before->second);
        if (before != m_previous.end()) m_previous.erase(before);
        for_views(snapshot, last, [&, how = how](ConnectionStats& stats) {
            add_traffic(stats, traffic);
            // Counted once, as it ends (a refusal ends the session at once), so a refusal
            // seen live by one tick and ended by the next is not counted twice.
            if (last.limited) ++stats.limited_connection_count;
            switch (how) {
                case SessionEnd::graceful:
                    ++stats.removed_connection_graceful;
                    break;
                case SessionEnd::broker_snapped:
                    ++stats.removed_connection_broker_snapped;
                    break;
                case SessionEnd::client_snapped:
                    ++stats.removed_connection_client_snapped;
                    break;
            }
        });
    }
    m_ended.clear();
    for (const auto& s : live) {
        // Ended already (it was sampled while its end was being reported): counted above.
        if (ended_ids.count(s.id) != 0) continue;
        auto& before = m_previous[s.id];
        const auto traffic = delta(s.traffic, before);
        before = s.traffic;
        for_views(snapshot, s, [&](ConnectionStats& stats) {
            add_traffic(stats, traffic);
            ++stats.active_connection_count;
            if (s.paused) ++stats.paused_connection_count;
            if (s.auth_denied) ++stats.auth_denied_connection_count;
        });
    }
    return snapshot;
}

std::string backend_key(const std::string& address) {
    auto key = address;
    for (auto& c : key) {
        if (c == ':') c = '_';  // IPv6 addresses too: StatsD reads ':' as the value separator
    }
    return key;
}

}  // namespace amqpprox::control
