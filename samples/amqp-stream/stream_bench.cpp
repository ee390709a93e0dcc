// The broker's own rate for what a stream does, without the bridge's TCP hops: one process,
// two AMQP connections, one stream; the writer publishes MB mebibytes in 64 KiB messages
// with confirms while the reader consumes them (prefetch 64, manual acks).
//   amqp-stream-bench AMQP_URL MB        (bench.sh runs it beside the bridge figures)
#include <cstdio>
#include <cstdlib>

#include "stream.hpp"

using namespace amqpstream;

namespace {

awaitable<void> reader(std::shared_ptr<Stream> s, std::uint64_t* total) {
    std::vector<std::byte> buffer(1 << 16);
    const std::span<std::byte> whole(buffer);
    for (;;) {
        auto n = co_await read(s, whole, std::chrono::milliseconds(0));
        if (!n || *n == 0) break;
        *total += *n;
    }
}

awaitable<int> run(AmqpUrl url, std::uint64_t mb) {
    auto executor = co_await asio::this_coro::executor;
    const ConnectionOptions options;
    auto server_connection = co_await connect(executor, url, options);
    auto client_connection = co_await connect(executor, url, options);
    if (!server_connection || !client_connection) {
        std::fprintf(stderr, "cannot connect\n");
        co_return 1;
    }
    const StreamOptions stream_options;
    const std::string control = "amqp-stream-bench";
    auto l = co_await listen(*server_connection, control, stream_options);
    if (!l) co_return 1;
    auto accepted = std::make_shared<std::shared_ptr<Stream>>();
    asio::co_spawn(executor, accept(*l), [accepted](std::exception_ptr, auto s) {
        if (s) *accepted = *s;
    });
    auto client = co_await dial(*client_connection, control, stream_options);
    if (!client) {
        std::fprintf(stderr, "%s\n", client.error().c_str());
        co_return 1;
    }
    SteadyTimer pause(executor);
    while (!*accepted) {
        pause.expires_after(std::chrono::milliseconds(5));
        co_await pause.async_wait(use_awaitable);
    }
    std::uint64_t total = 0;
    bool read_done = false;
    const auto start = Clock::now();
    asio::co_spawn(executor, reader(*accepted, &total),
                   [&](std::exception_ptr) { read_done = true; });
    const std::vector<std::byte> block(1 << 20);
    const amqp::ByteView view(block);
    for (std::uint64_t i = 0; i < mb; ++i) {
        auto ok = co_await write(*client, view);
        if (!ok) {
            std::fprintf(stderr, "%s\n", ok.error().c_str());
            co_return 1;
        }
    }
    auto shut = co_await shutdown(*client);
    if (!shut) co_return 1;
    while (!read_done) {
        pause.expires_after(std::chrono::milliseconds(1));
        co_await pause.async_wait(use_awaitable);
    }
    const auto seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("%.1f MB/s (%llu MB in %.2f s)\n", static_cast<double>(total) / 1e6 / seconds,
                static_cast<unsigned long long>(mb), seconds);
    close(*client);
    close(*accepted);
    co_return total == mb << 20 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: amqp-stream-bench AMQP_URL MB\n");
        return 2;
    }
    auto url = parse_amqp_url(argv[1]);
    if (!url) return 2;
    asio::io_context io;
    int code = 1;
    asio::co_spawn(io, run(*url, std::strtoull(argv[2], nullptr, 10)),
                   [&](std::exception_ptr, int result) {
                       code = result;
                       io.stop();
                   });
    io.run();
    return code;
}
