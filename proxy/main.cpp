// amqpprox: parses the command line and runs the proxy.
#include <iostream>

#include <CLI/CLI.hpp>

#include "proxy/daemon.hpp"

int main(int argc, char** argv) {
    CLI::App app{
        "amqpprox: an AMQP 0.9.1 proxy for RabbitMQ that records what passes through.\n"
        "Starts with nothing mapped and nothing listening; configure it through the control\n"
        "socket (amqpprox_ctl SOCKET HELP), --config, or simple mode."};
    app.set_version_flag("--version", std::string("amqpprox ") + AMQPPROX_VERSION);
    amqpprox::proxy::DaemonOptions o;
    app.add_option("--controlSocket", o.control_socket, "UNIX socket for control commands")
        ->capture_default_str();
    app.add_option("--logDirectory", o.log_directory,
                   "Directory for log files (amqpprox_YYYYMMDD_NNNNN.log; \"\" for none)")
        ->capture_default_str();
    app.add_option("--cleanupIntervalMs", o.cleanup_interval_ms,
                   "Interval of housekeeping and of STAT LISTEN snapshots")
        ->check(CLI::Range(10, 3600000))
        ->capture_default_str();
    app.add_option("--config", o.config_file, "Control commands to run at start, one a line");
    app.add_option("--listenAddress", o.listen_address, "Address LISTEN START binds to")
        ->capture_default_str();
    app.add_option("--listenPort", o.listen_port, "Simple mode: accept clients on this port")
        ->check(CLI::Range(1, 65535));
    app.add_option("--destinationDNS", o.destination_host,
                   "Simple mode: the broker's host name or address");
    app.add_option("--destinationPort", o.destination_port, "Simple mode: the broker's port")
        ->check(CLI::Range(1, 65535));
    app.add_option("--capture", o.capture_file, "Record every session into this new file");
    app.add_option("--bodies", o.bodies, "Body policy of --capture: all, none or a byte count")
        ->capture_default_str();
    app.add_flag("--captureIdlePriority", o.capture_idle_priority,
                 "Run every capture's writer and checkpoint threads under SCHED_IDLE: "
                 "forwarding never waits for them; under overload more frames are dropped");
    app.add_option("--captureSpoolSeconds", o.capture_spool_seconds,
                   "While traffic is heavy, captures keep batches whole and write their rows "
                   "once it is quiet, at most this late; 0: rows as frames arrive")
        ->check(CLI::Range(0, 3600))
        ->capture_default_str();
    app.add_option("--threads", o.threads, "Network threads")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    app.add_option("--networkPriority", o.network_priority,
                   "normal, or batch: network threads under SCHED_BATCH, which wait for their "
                   "turn instead of preempting a busy CPU: less CPU per message when every CPU "
                   "is busy, a wake-up up to a scheduler slice later")
        ->check(CLI::IsMember({"normal", "batch"}))
        ->capture_default_str();
    app.add_option("--handshakeTimeoutMs", o.handshake_timeout_ms,
                   "Drop clients that have not opened a connection by then")
        ->check(CLI::Range(100, 600000))
        ->capture_default_str();
    app.add_option("--connectTimeoutMs", o.connect_timeout_ms,
                   "Give up on a backend address that has not accepted by then, try the next")
        ->check(CLI::Range(10, 600000))
        ->capture_default_str();
    app.add_option("-v,--verbosity", o.verbosity, "Console log level 0 (fatal) .. 5 (trace)")
        ->check(CLI::Range(0, 5))
        ->capture_default_str();
    app.add_option("--logFormat", o.log_format,
                   "Log lines as text, or as one JSON object a line (json)")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    app.add_option("--metrics-port,--metricsPort", o.metrics_port,
                   "Serve Prometheus metrics over HTTP (GET /metrics) on this port")
        ->check(CLI::Range(1, 65535));
    app.add_option("--metrics-address,--metricsAddress", o.metrics_address,
                   "Address the metrics listener binds to")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    const int simple =
        (o.listen_port ? 1 : 0) + (o.destination_host ? 1 : 0) + (o.destination_port ? 1 : 0);
    if (simple != 0 && simple != 3) {
        std::cerr << "amqpprox: simple mode needs all of --listenPort, --destinationDNS and "
                     "--destinationPort\n";
        return 2;
    }
    return amqpprox::proxy::run_daemon(o);
}
