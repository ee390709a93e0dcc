// Server's side of GET /metrics: gathers the snapshot the Prometheus formatter prints.
#include "process_metrics.hpp"
#include "proxy/control/prometheus_format.hpp"
#include "server.hpp"

namespace amqpprox::proxy {

control::MetricsSnapshot Server::metrics_snapshot() {
    std::lock_guard scrape(m_metrics_mutex);
    // Ended totals before the live samples: a session that ends in between (or is being
    // destroyed, so no longer lockable) is then missing for one scrape rather than counted
    // twice, and keep_monotonic holds its counters where the previous scrape left them.
    control::LifetimeTotals ended;
    {
        std::lock_guard lock(m_stats_mutex);
        ended = m_lifetime;
    }
    std::vector<control::SessionSample> live;
    for (const auto& s : live_sessions())
        live.push_back(sample(*s));
    auto snapshot = ended.with_live(live);
    {
        std::lock_guard lock(m_mutex);
        snapshot.sessions_accepted = m_next_id - 1;
        for (const auto& c : m_captures) {
            const auto stats = c.writer->stats();
            snapshot.captures.push_back({c.options.file, c.sessions, stats.frames_committed,
                                         stats.frames_dropped, stats.frames_spooled,
                                         stats.payload_bytes_committed, !stats.error.empty()});
        }
    }
    snapshot.version = AMQPPROX_VERSION;
    snapshot.process = read_process_metrics();
    control::keep_monotonic(snapshot, m_last_metrics);
    m_last_metrics = snapshot;
    return snapshot;
}

std::string Server::metrics_text() {
    return control::format_prometheus(metrics_snapshot());
}

}  // namespace amqpprox::proxy
