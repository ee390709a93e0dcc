// Broker check of the amqp-stream API where the bridge does not reach: a read timeout,
// close() waking a pending read, half-close with writing on, dialing nobody, writing to a
// peer that closed, and several streams over one AMQP connection (both ends share it here).
//   amqp_stream_api_check AMQP_URL     (run by tests/integration/amqp_stream_api_test.sh)
#include <cstdio>

#include "stream.hpp"

using namespace amqpstream;
using namespace std::chrono_literals;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
    std::printf("%s: %s\n", ok ? "ok" : "FAIL", what.c_str());
    if (!ok) ++failures;
}

awaitable<std::string> read_all(std::shared_ptr<Stream> s, std::size_t want) {
    std::string got;
    std::array<std::byte, 4096> buffer;
    const std::span<std::byte> whole(buffer);
    while (got.size() < want) {
        auto n = co_await read(s, whole, 2000ms);
        if (!n || *n == 0) break;
        got.append(reinterpret_cast<const char*>(buffer.data()), *n);
    }
    co_return got;
}

awaitable<void> close_later(std::shared_ptr<Stream> s) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(100ms);
    co_await timer.async_wait(use_awaitable);
    close(s);
}

awaitable<void> run(AmqpUrl url) {
    auto executor = co_await asio::this_coro::executor;
    const ConnectionOptions connection_options;
    auto c = co_await connect(executor, url, connection_options);
    check(c.has_value(), "connect " + (c ? url.display() : c.error()));
    if (!c) co_return;
    StreamOptions options;
    options.max_message = 1000;  // a 5000-byte write is five messages
    const std::string control = "api-check";
    auto l = co_await listen(*c, control, options);
    check(l.has_value(), "listen");
    if (!l) co_return;

    // A pair: dial and accept at once on the one connection.
    auto accepted =
        std::make_shared<Expected<std::shared_ptr<Stream>>>(tl::unexpected(std::string("not yet")));
    asio::co_spawn(executor, accept(*l),
                   [accepted](std::exception_ptr, auto s) { *accepted = std::move(s); });
    auto client = co_await dial(*c, control, options);
    check(client.has_value(), "dial" + (client ? "" : ": " + client.error()));
    if (!client) co_return;
    asio::steady_timer pause(executor);
    for (int i = 0; i < 50 && !accepted->has_value(); ++i) {
        pause.expires_after(20ms);
        co_await pause.async_wait(use_awaitable);
    }
    check(accepted->has_value(), "accept");
    if (!accepted->has_value()) co_return;
    auto server = **accepted;

    // Chunked write, read in order.
    std::string text;
    for (int i = 0; i < 500; ++i)
        text += "line " + std::to_string(i) + "\n";
    const amqp::ByteView data = amqp::as_bytes(text);
    auto written = co_await write(*client, data);
    check(written.has_value(),
          "write " + std::to_string(text.size()) + " bytes in messages of 1000");
    const auto got = co_await read_all(server, text.size());
    check(got == text, "read them back in order");

    // A read timeout.
    const auto start = Clock::now();
    std::array<std::byte, 16> small;
    const std::span<std::byte> small_span(small);
    auto timed = co_await read(*client, small_span, 200ms);
    const auto took = Clock::now() - start;
    check(!timed && timed.error() == "read timed out" && took >= 190ms && took < 1s,
          "read timeout after 200 ms");

    // Half-close: the server shuts down writing; the client reads end of stream and still
    // writes, the server still reads.
    auto shut = co_await shutdown(server);
    check(shut.has_value(), "shutdown");
    auto eof = co_await read(*client, small_span, 2000ms);
    check(eof && *eof == 0, "end of stream after the peer's shutdown");
    const auto after = amqp::as_bytes(std::string_view("after"));
    auto late = co_await write(*client, after);
    check(late.has_value(), "write after receiving end of stream");
    const auto late_got = co_await read_all(server, 5);
    check(late_got == "after", "the shut-down side still reads");
    auto refused = co_await write(server, after);
    check(!refused, "write after shutdown fails");

    // close() wakes a pending read without a timeout.
    asio::co_spawn(executor, close_later(server), asio::detached);
    const auto waiting = Clock::now();
    auto woken = co_await read(server, small_span, 0ms);
    check(!woken && Clock::now() - waiting < 1s, "close wakes a pending read");

    // Writing to a peer that closed: its queue is gone, the broker returns the message.
    pause.expires_after(200ms);
    co_await pause.async_wait(use_awaitable);
    auto orphan = co_await write(*client, after);
    check(!orphan && orphan.error().find("queue is gone") != std::string::npos,
          "write to a closed peer fails" + (orphan ? "" : ": " + orphan.error()));
    close(*client);

    // Dialing a control queue nobody listens on fails at once.
    const auto dialing = Clock::now();
    const std::string nobody = "api-check-nobody";
    auto none = co_await dial(*c, nobody, options);
    check(!none && none.error().find("no server is listening") != std::string::npos &&
              Clock::now() - dialing < 2s,
          "dial nobody fails fast" + (none ? "" : ": " + none.error()));
    close(*l);
    (*c)->close();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: amqp_stream_api_check AMQP_URL\n");
        return 2;
    }
    auto url = parse_amqp_url(argv[1]);
    if (!url) {
        std::fprintf(stderr, "%s\n", url.error().c_str());
        return 2;
    }
    asio::io_context io;
    asio::co_spawn(io, run(*url), [&](std::exception_ptr e) {
        if (e) {
            ++failures;
            std::printf("FAIL: exception\n");
        }
        io.stop();
    });
    io.run();
    return failures == 0 ? 0 : 1;
}
