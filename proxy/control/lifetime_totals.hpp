// Cumulative totals for GET /metrics. Ended sessions are folded in as they end (the same
// hand-over StatsCollector gets); live sessions are added at each scrape from their own atomic
// counters, so nothing on the data path takes a lock or does extra work. Pure logic, not
// thread-safe: the caller locks.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "proxy/control/metrics_snapshot.hpp"
#include "proxy/control/stats_collector.hpp"

namespace amqpprox::control {

class LifetimeTotals {
public:
    void session_ended(const SessionSample& last, SessionEnd how);

    // The ended sessions' totals plus the live sessions' counters and gauges. Version,
    // sessions_accepted, captures and process are left for the caller.
    MetricsSnapshot with_live(const std::vector<SessionSample>& live) const;

private:
    ViewTotals m_overall;
    std::map<std::string, ViewTotals> m_vhosts;
    std::map<std::string, ViewTotals> m_backends;
    std::uint64_t m_refused = 0;
};

// A session is briefly in neither the live list nor the ended totals while it is being
// destroyed; a scrape then would see its counters go back. Raises every counter of `now` to
// at least what `before` showed, so a counter never decreases (gauges are left alone).
void keep_monotonic(MetricsSnapshot& now, const MetricsSnapshot& before);

}  // namespace amqpprox::control
