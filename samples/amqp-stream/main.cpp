// amqp-stream: a TCP bridge over RabbitMQ, wire-compatible with the Go amqp-stream library.
//   amqp-stream server --url amqp://... --queue NAME --forward HOST:PORT
//   amqp-stream client --url amqp://... --queue NAME --listen PORT
#include <cstdio>

#include <CLI/CLI.hpp>

#include "bridge_app.hpp"

namespace {
const char* const kUsage =
    "usage: amqp-stream server --url amqp://... --queue NAME --forward HOST:PORT [options]\n"
    "       amqp-stream client --url amqp://... --queue NAME --listen PORT [--bind ADDR] "
    "[options]\n"
    "options: --heartbeat S, --max-message BYTES, --prefetch N; --help for details\n";
}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"amqp-stream: TCP connections carried as byte streams over an AMQP broker"};
    app.require_subcommand(1);
    amqpstream::AppOptions options;
    std::string url_text = "amqp://guest:guest@localhost:5672/";
    std::string forward;
    unsigned listen_port = 0;

    auto common = [&](CLI::App* cmd) {
        cmd->add_option("--url", url_text,
                        "broker URL: amqp://[user[:password]@]host[:port][/vhost], or amqps://");
        cmd->add_option("--ca", options.connection.ca_file,
                        "amqps: PEM CA certificates to trust (default: the system's)");
        cmd->add_flag("--insecure", options.connection.insecure,
                      "amqps: encrypt but do not verify the broker's certificate");
        cmd->add_option("--queue", options.queue, "the server's control queue")->required();
        cmd->add_option("--heartbeat", options.connection.heartbeat_s,
                        "AMQP heartbeat and peer check interval in seconds (0: none)")
            ->capture_default_str();
        cmd->add_option("--max-message", options.stream.max_message,
                        "largest message a write is cut into, bytes")
            ->capture_default_str()
            ->check(CLI::Range(std::size_t{1}, std::size_t{128} << 20));
        cmd->add_option("--prefetch", options.stream.prefetch,
                        "unacked messages the broker may push per stream")
            ->capture_default_str()
            ->check(CLI::Range(1, 65535));
    };
    auto* server = app.add_subcommand("server",
                                      "accept streams, each bridged to a new TCP "
                                      "connection to --forward");
    common(server);
    server->add_option("--forward", forward, "HOST:PORT each accepted stream connects to")
        ->required();
    auto* client = app.add_subcommand("client",
                                      "turn each TCP connection on --listen into a "
                                      "stream to the server on --queue");
    common(client);
    client->add_option("--listen", listen_port, "TCP port to accept connections on")
        ->required()
        ->check(CLI::Range(1, 65535));
    client->add_option("--bind", options.bind, "address to listen on")->capture_default_str();

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "amqp-stream: %s\n%s", e.what(), kUsage);
        return 2;
    }
    auto url = amqpstream::parse_amqp_url(url_text);
    if (!url) {
        std::fprintf(stderr, "amqp-stream: --url: %s\n", url.error().c_str());
        return 2;
    }
    options.url = *url;
    // A dead peer is noticed as fast as a dead broker.
    options.stream.peer_check = std::chrono::seconds(options.connection.heartbeat_s);
    if (*server) {
        auto target = amqpstream::parse_host_port(forward);
        if (!target) {
            std::fprintf(stderr, "amqp-stream: --forward: %s\n", target.error().c_str());
            return 2;
        }
        options.forward_host = target->first;
        options.forward_port = target->second;
        return amqpstream::run_server(options);
    }
    options.listen_port = static_cast<std::uint16_t>(listen_port);
    return amqpstream::run_client(options);
}
