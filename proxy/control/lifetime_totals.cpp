#include "proxy/control/lifetime_totals.hpp"

#include <algorithm>

namespace amqpprox::control {
namespace {

void add(SessionTraffic& to, const SessionTraffic& t) {
    to.in_packets += t.in_packets;
    to.in_frames += t.in_frames;
    to.in_bytes += t.in_bytes;
    to.out_packets += t.out_packets;
    to.out_frames += t.out_frames;
    to.out_bytes += t.out_bytes;
}

// Views as StatsCollector keeps them, except backends: keyed by "ip:port" here, as a label
// value may hold ':'.
template <typename Add>
void for_views(ViewTotals& overall, std::map<std::string, ViewTotals>& vhosts,
               std::map<std::string, ViewTotals>& backends, const SessionSample& s, Add add) {
    add(overall);
    if (!s.vhost.empty()) add(vhosts[s.vhost]);
    if (!s.backend_address.empty()) add(backends[s.backend_address]);
}

void raise(std::uint64_t& now, std::uint64_t before) {
    now = std::max(now, before);
}

void raise(ViewTotals& now, const ViewTotals& before) {
    raise(now.traffic.in_packets, before.traffic.in_packets);
    raise(now.traffic.in_frames, before.traffic.in_frames);
    raise(now.traffic.in_bytes, before.traffic.in_bytes);
    raise(now.traffic.out_packets, before.traffic.out_packets);
    raise(now.traffic.out_frames, before.traffic.out_frames);
    raise(now.traffic.out_bytes, before.traffic.out_bytes);
    raise(now.ended_graceful, before.ended_graceful);
    raise(now.ended_broker_snapped, before.ended_broker_snapped);
    raise(now.ended_client_snapped, before.ended_client_snapped);
}

}  // namespace

void LifetimeTotals::session_ended(const SessionSample& last, SessionEnd how) {
    if (!last.established) ++m_refused;
    for_views(m_overall, m_vhosts, m_backends, last, [&](ViewTotals& view) {
        add(view.traffic, last.traffic);
        switch (how) {
            case SessionEnd::graceful:
                ++view.ended_graceful;
                break;
            case SessionEnd::broker_snapped:
                ++view.ended_broker_snapped;
                break;
            case SessionEnd::client_snapped:
                ++view.ended_client_snapped;
                break;
        }
    });
}

MetricsSnapshot LifetimeTotals::with_live(const std::vector<SessionSample>& live) const {
    MetricsSnapshot snapshot;
    snapshot.sessions_refused = m_refused;
    snapshot.overall = m_overall;
    snapshot.vhosts = m_vhosts;
    snapshot.backends = m_backends;
    for (const auto& s : live) {
        for_views(snapshot.overall, snapshot.vhosts, snapshot.backends, s, [&](ViewTotals& view) {
            add(view.traffic, s.traffic);
            ++view.active_connections;
            if (s.paused) ++view.paused_connections;
        });
    }
    return snapshot;
}

void keep_monotonic(MetricsSnapshot& now, const MetricsSnapshot& before) {
    raise(now.sessions_accepted, before.sessions_accepted);
    raise(now.sessions_refused, before.sessions_refused);
    raise(now.overall, before.overall);
    for (const auto& [name, view] : before.vhosts)
        raise(now.vhosts[name], view);
    for (const auto& [name, view] : before.backends)
        raise(now.backends[name], view);
    for (auto& capture : now.captures) {
        for (const auto& seen : before.captures) {
            if (seen.file != capture.file) continue;
            raise(capture.sessions, seen.sessions);
            raise(capture.frames_written, seen.frames_written);
            raise(capture.frames_dropped, seen.frames_dropped);
            raise(capture.bytes_written, seen.bytes_written);
        }
    }
    if (now.process && before.process) {
        now.process->cpu_seconds = std::max(now.process->cpu_seconds, before.process->cpu_seconds);
    }
}

}  // namespace amqpprox::control
