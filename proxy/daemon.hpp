// The amqpprox process: options, the control socket, network threads, signals, and the
// order things stop in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace amqpprox::proxy {

struct DaemonOptions {
    std::string control_socket = "/tmp/amqpprox";
    std::string log_directory = "logs";
    int cleanup_interval_ms = 1000;          // also the STAT LISTEN interval
    std::optional<std::string> config_file;  // control commands, one a line, run at start
    std::string listen_address = "0.0.0.0";  // where LISTEN START binds
    // Simple mode: all three, or none.
    std::optional<std::uint16_t> listen_port;
    std::optional<std::string> destination_host;
    std::optional<std::uint16_t> destination_port;
    std::optional<std::string> capture_file;  // record every session
    std::string bodies = "all";
    bool capture_idle_priority = false;  // captures' threads under SCHED_IDLE
    int capture_spool_seconds = 10;      // 0: captures write rows as frames arrive
    int threads = 1;
    std::string network_priority = "normal";  // or "batch": SCHED_BATCH network threads
    int handshake_timeout_ms = 10'000;
    int connect_timeout_ms = 5'000;
    int verbosity = 3;
    std::string log_format = "text";            // or "json"
    std::optional<std::uint16_t> metrics_port;  // GET /metrics from the start
    std::string metrics_address = "127.0.0.1";
};

// Runs until EXIT, SIGINT or SIGTERM; returns the process exit status.
int run_daemon(const DaemonOptions& options);

}  // namespace amqpprox::proxy
