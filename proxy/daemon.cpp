#include "daemon.hpp"

#include <iostream>
#include <thread>

#include <unistd.h>

#include "log.hpp"
#include "server.hpp"

namespace amqpprox::proxy {

int run_daemon(const DaemonOptions& options) {
    set_console_log_level(static_cast<LogLevel>(options.verbosity));
    std::shared_ptr<capture::CaptureWriter> capture;
    if (options.capture_file) {
        auto bodies = capture::BodyPolicy::parse(options.bodies);
        if (!bodies) {
            std::cerr << "amqpprox: --bodies: " << bodies.error() << '\n';
            return 2;
        }
        capture::WriterOptions writer_options;
        writer_options.bodies = *bodies;
        try {
            capture =
                std::make_shared<capture::CaptureWriter>(*options.capture_file, writer_options);
        } catch (const std::exception& e) {
            std::cerr << "amqpprox: --capture: " << e.what() << '\n';
            return 2;
        }
    }

    asio::io_context io(options.threads);
    char hostname[256] = "";
    gethostname(hostname, sizeof hostname - 1);
    const BackendCandidate destination{"default-backend", *options.destination_host,
                                       *options.destination_port};
    BackendRouter router = [destination](const std::string&) {
        return tl::expected<std::vector<BackendCandidate>, std::string>(
            std::vector<BackendCandidate>{destination});
    };
    Server server(
        io, std::move(router),
        ServerOptions{std::chrono::milliseconds(options.handshake_timeout_ms),
                      std::string(hostname) + " (:" + std::to_string(*options.listen_port) + ")"});
    if (capture) server.add_capture(capture);
    try {
        server.listen(options.listen_address, *options.listen_port);
    } catch (const std::exception& e) {
        std::cerr << "amqpprox: cannot listen on " << options.listen_address << ":"
                  << *options.listen_port << ": " << e.what() << '\n';
        return 2;
    }

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int signal) {
        if (ec) return;
        log(LogLevel::info, "signal " + std::to_string(signal) + ": stopping");
        server.stop_listening();
        server.disconnect_all();
        io.stop();
    });
    std::vector<std::thread> threads;
    for (int i = 1; i < options.threads; ++i)
        threads.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : threads)
        t.join();
    server.remove_captures();
    if (capture) {
        capture->close();
        const auto stats = capture->stats();
        log(LogLevel::info, "capture " + *options.capture_file + ": " +
                                std::to_string(stats.frames_committed) + " frames written, " +
                                std::to_string(stats.frames_dropped) + " dropped");
    }
    return 0;
}

}  // namespace amqpprox::proxy
