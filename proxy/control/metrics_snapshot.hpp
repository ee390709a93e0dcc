// What GET /metrics shows, as plain data: cumulative traffic and session counts since the
// proxy started (ended sessions included), connection gauges, captures and process figures.
// Unlike StatsSnapshot (one stats interval), every counter here only grows, as Prometheus
// expects of a counter.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "proxy/control/stats_collector.hpp"

namespace amqpprox::control {

// One view (overall, a vhost, a backend): gauges of the live sessions, totals of all.
struct ViewTotals {
    std::uint64_t active_connections = 0;
    std::uint64_t paused_connections = 0;
    SessionTraffic traffic;  // live sessions' totals plus those of the ended ones
    std::uint64_t ended_graceful = 0;
    std::uint64_t ended_broker_snapped = 0;
    std::uint64_t ended_client_snapped = 0;

    bool operator==(const ViewTotals&) const = default;
};

struct CaptureMetrics {
    std::string file;
    std::uint64_t sessions = 0;
    std::uint64_t frames_written = 0;
    std::uint64_t frames_dropped = 0;
    std::uint64_t frames_spooled = 0;  // written, but still spooled: not yet rows
    std::uint64_t bytes_written = 0;   // frame payload committed to the file
    bool failed = false;               // the writer stopped on a disk or database error

    bool operator==(const CaptureMetrics&) const = default;
};

// The conventional process_* figures.
struct ProcessMetrics {
    double cpu_seconds = 0;  // user + system
    std::uint64_t resident_memory_bytes = 0;
    std::uint64_t virtual_memory_bytes = 0;
    std::uint64_t open_fds = 0;
    std::uint64_t max_fds = 0;
    double start_time_seconds = 0;  // since the Unix epoch

    bool operator==(const ProcessMetrics&) const = default;
};

struct MetricsSnapshot {
    std::string version;
    std::uint64_t sessions_accepted = 0;  // client connections accepted by the listeners
    // Sessions that ended before their handshake finished: no route, no backend reachable,
    // the broker refused the login or vhost, a handshake timeout, a client gone early.
    std::uint64_t sessions_refused = 0;
    ViewTotals overall;
    std::map<std::string, ViewTotals> vhosts;    // by vhost name
    std::map<std::string, ViewTotals> backends;  // by broker "ip:port"
    std::vector<CaptureMetrics> captures;        // running captures, in start order
    std::optional<ProcessMetrics> process;

    bool operator==(const MetricsSnapshot&) const = default;
};

}  // namespace amqpprox::control
