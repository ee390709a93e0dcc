#include "daemon.hpp"

#include <fstream>
#include <iostream>

#include <unistd.h>

#include "control_socket.hpp"
#include "log.hpp"
#include "server.hpp"

namespace amqpprox::proxy {
namespace {

tl::expected<std::vector<std::string>, std::string> resolve(const std::string& host) {
    asio::io_context io;
    tcp::resolver resolver(io);
    boost::system::error_code ec;
    const auto results = resolver.resolve(host, "", ec);
    if (ec) return tl::unexpected(ec.message());
    std::vector<std::string> addresses;
    for (const auto& entry : results)
        addresses.push_back(entry.endpoint().address().to_string());
    return addresses;
}

// Runs one command as if sent to the control socket; its reply goes to the log.
void run_command(control::CommandInterpreter& interpreter, const std::string& line,
                 const std::string& origin) {
    const auto reply = interpreter.execute(line);
    if (!reply.text.empty()) log(LogLevel::info, origin + ": " + line + ": " + reply.text);
}

// Waits until every session has finished its Close exchange, or `patience` has passed.
awaitable<> sessions_gone(Server* server, std::chrono::seconds patience) {
    const auto deadline = std::chrono::steady_clock::now() + patience;
    SteadyTimer timer(co_await asio::this_coro::executor);
    while (!server->connections().empty() && std::chrono::steady_clock::now() < deadline) {
        timer.expires_after(std::chrono::milliseconds(50));
        co_await timer.async_wait(use_awaitable);
    }
}

// Every interval: the stats snapshot (deltas since the previous one) and StatsD. On a fixed
// schedule, so an interval's figures are per interval even when collecting takes a while.
awaitable<> stats_loop(Server* server, std::chrono::milliseconds interval) {
    SteadyTimer timer(co_await asio::this_coro::executor);
    auto next = std::chrono::steady_clock::now();
    while (true) {
        next += interval;
        // Far behind (a stopped process): start afresh rather than catch up in a burst.
        if (next < std::chrono::steady_clock::now()) next = std::chrono::steady_clock::now();
        timer.expires_at(next);
        co_await timer.async_wait(use_awaitable);
        server->collect_stats();
    }
}

}  // namespace

int run_daemon(const DaemonOptions& options) {
    set_console_log_level(static_cast<LogLevel>(options.verbosity));
    if (options.log_format != "text" && options.log_format != "json") {
        std::cerr << "amqpprox: --logFormat: '" << options.log_format
                  << "' is neither text nor json\n";
        return 2;
    }
    set_log_format(options.log_format == "json" ? LogFormat::json : LogFormat::text);
    if (!options.log_directory.empty()) {
        if (const auto error = open_log_directory(options.log_directory, LogLevel::info);
            !error.empty()) {
            std::cerr << "amqpprox: --logDirectory: " << error << '\n';
            return 2;
        }
    }
    control::ConfigStore store;
    if (options.network_priority != "normal" && options.network_priority != "batch") {
        std::cerr << "amqpprox: --networkPriority: '" << options.network_priority
                  << "' is neither normal nor batch\n";
        return 2;
    }
    IoPool network(options.threads, options.network_priority == "batch"
                                        ? capture::ThreadPriority::batch
                                        : capture::ThreadPriority::normal);
    asio::io_context control_io(1);

    char hostname[256] = "";
    gethostname(hostname, sizeof hostname - 1);
    Server server(network, store,
                  ServerOptions{options.listen_address,
                                std::chrono::milliseconds(options.handshake_timeout_ms), hostname,
                                std::chrono::milliseconds(options.connect_timeout_ms),
                                options.capture_idle_priority ? capture::ThreadPriority::idle
                                                              : capture::ThreadPriority::normal,
                                std::chrono::seconds(options.capture_spool_seconds)});
    control::CommandInterpreter interpreter(store, server, resolve);

    // EXIT, SIGINT, SIGTERM: stop listening, close sessions with Connection.Close, give them
    // a moment, then stop and flush the captures.
    bool stopping = false;
    std::function<void()> begin_exit = [&] {
        if (stopping) return;
        stopping = true;
        log(LogLevel::info,
            "exiting: closing " + std::to_string(server.connections().size()) + " sessions");
        asio::co_spawn(control_io, sessions_gone(&server, std::chrono::seconds(3)),
                       [&](std::exception_ptr) {
                           network.stop();
                           control_io.stop();
                       });
    };
    server.set_exit_handler([&] { asio::post(control_io, begin_exit); });

    std::unique_ptr<ControlSocket> control;
    try {
        control =
            std::make_unique<ControlSocket>(control_io, options.control_socket, interpreter, server,
                                            std::chrono::milliseconds(options.cleanup_interval_ms));
    } catch (const std::exception& e) {
        std::cerr << "amqpprox: " << e.what() << '\n';
        return 2;
    }
    if (options.capture_file) {
        auto bodies = capture::BodyPolicy::parse(options.bodies);
        if (!bodies) {
            std::cerr << "amqpprox: --bodies: " << bodies.error() << '\n';
            return 2;
        }
        control::CaptureOptions capture;
        capture.file = *options.capture_file;
        capture.bodies = *bodies;
        if (auto started = server.add_capture(capture); !started) {
            std::cerr << "amqpprox: --capture: " << started.error() << '\n';
            return 2;
        }
    }
    if (options.metrics_port) {
        if (auto started = server.metrics_listen(*options.metrics_port, options.metrics_address);
            !started) {
            std::cerr << "amqpprox: --metrics-port: " << started.error() << '\n';
            return 2;
        }
    }
    if (options.config_file) {
        std::ifstream config(*options.config_file);
        if (!config) {
            std::cerr << "amqpprox: --config: cannot read " << *options.config_file << '\n';
            return 2;
        }
        for (std::string line; std::getline(config, line);) {
            if (line.empty() || line[0] == '#') continue;
            run_command(interpreter, line, *options.config_file);
        }
    }
    if (options.listen_port) {
        // Simple mode is four commands, as in amqpprox.
        const auto host = *options.destination_host;
        const auto port = std::to_string(*options.destination_port);
        for (const auto& line : {"BACKEND ADD_DNS default-backend none " + host + " " + port,
                                 std::string("FARM ADD default round-robin default-backend"),
                                 std::string("MAP DEFAULT default"),
                                 "LISTEN START " + std::to_string(*options.listen_port)}) {
            run_command(interpreter, line, "simple mode");
        }
    }
    log(LogLevel::info, "control socket " + options.control_socket);
    asio::co_spawn(control_io,
                   stats_loop(&server, std::chrono::milliseconds(options.cleanup_interval_ms)),
                   [](std::exception_ptr error) {
                       if (!error) return;
                       try {
                           std::rethrow_exception(error);
                       } catch (const std::exception& e) {
                           log(LogLevel::error, std::string("stats: ") + e.what());
                       }
                   });

    asio::signal_set signals(control_io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int signal) {
        if (ec) return;
        log(LogLevel::info, "signal " + std::to_string(signal));
        server.request_exit();
    });
    network.start();
    control_io.run();
    network.stop();
    network.join();
    for (const auto& info : server.captures()) {
        log(LogLevel::info, "capture " + info.options.file + ": " +
                                std::to_string(info.frames_written) + " frames written, " +
                                std::to_string(info.frames_dropped) + " dropped");
    }
    server.close_captures();
    control.reset();
    return 0;
}

}  // namespace amqpprox::proxy
