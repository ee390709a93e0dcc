// The amqpprox process: options, signals, threads, the server and its captures.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace amqpprox::proxy {

struct DaemonOptions {
    std::optional<std::uint16_t> listen_port;
    std::string listen_address = "0.0.0.0";
    std::optional<std::string> destination_host;
    std::optional<std::uint16_t> destination_port;
    std::optional<std::string> capture_file;
    std::string bodies = "all";
    int threads = 1;
    int handshake_timeout_ms = 10'000;
    int verbosity = 3;
};

// Runs until SIGINT or SIGTERM; returns the process exit status.
int run_daemon(const DaemonOptions& options);

}  // namespace amqpprox::proxy
