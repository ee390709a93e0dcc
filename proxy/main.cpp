// amqpprox: parses the command line and runs the proxy.
#include <iostream>

#include <CLI/CLI.hpp>

#include "proxy/daemon.hpp"

int main(int argc, char** argv) {
    CLI::App app{"amqpprox: an AMQP 0.9.1 proxy for RabbitMQ that records what passes through"};
    app.set_version_flag("--version", std::string("amqpprox ") + AMQPPROX_VERSION);
    amqpprox::proxy::DaemonOptions options;
    app.add_option("--listenPort", options.listen_port, "Simple mode: accept clients on this port")
        ->check(CLI::Range(1, 65535));
    app.add_option("--listenAddress", options.listen_address,
                   "Simple mode: the address to listen on")
        ->capture_default_str();
    app.add_option("--destinationDNS", options.destination_host,
                   "Simple mode: the broker's host name or address");
    app.add_option("--destinationPort", options.destination_port, "Simple mode: the broker's port")
        ->check(CLI::Range(1, 65535));
    app.add_option("--capture", options.capture_file, "Record every session into this new file");
    app.add_option("--bodies", options.bodies,
                   "Body policy of --capture: all, none or a byte count")
        ->capture_default_str();
    app.add_option("--threads", options.threads, "Network threads")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    app.add_option("--handshakeTimeoutMs", options.handshake_timeout_ms,
                   "Drop clients that have not opened a connection by then")
        ->capture_default_str();
    app.add_option("-v,--verbosity", options.verbosity, "Console log level 0 (fatal) .. 5 (trace)")
        ->check(CLI::Range(0, 5))
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    const bool simple = options.listen_port || options.destination_host || options.destination_port;
    if (simple && !(options.listen_port && options.destination_host && options.destination_port)) {
        std::cerr << "amqpprox: simple mode needs all of --listenPort, --destinationDNS and "
                     "--destinationPort\n";
        return 2;
    }
    if (!simple) {
        std::cerr << "amqpprox: nothing to do yet: use simple mode (--listenPort P "
                     "--destinationDNS H --destinationPort Q); the control socket comes next\n";
        return 2;
    }
    return amqpprox::proxy::run_daemon(options);
}
