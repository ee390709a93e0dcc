// async_wait_drained on loopback TCP: after a read that found the socket drained, the wait
// completes when bytes come, including bytes that came before the wait was queued, and ends
// with an error when the socket is closed.
#include "proxy/drained_wait.hpp"

#include <array>
#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/redirect_error.hpp>
#include <catch2/catch.hpp>

using namespace amqpprox::proxy;
using namespace std::chrono_literals;

namespace {

struct Pair {
    asio::io_context io{1};
    TcpSocket near{io.get_executor()};
    tcp::socket far{io};

    Pair() {
        tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        far.connect(acceptor.local_endpoint());
        near = acceptor.accept(io.get_executor());
        near.non_blocking(true);
    }
    void send(const std::string& text) { asio::write(far, asio::buffer(text)); }
    // Until `bytes` bytes are there to read (loopback delivers them during the write, so
    // this is a formality with a bound).
    void arrived(std::size_t bytes) {
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (near.available() < bytes)
            REQUIRE(std::chrono::steady_clock::now() < deadline);
    }
    // A read that leaves the socket drained: what it held, once at least `at_least` bytes.
    std::string read_all(std::size_t at_least) {
        arrived(at_least);
        std::string buffer(4096, '\0');
        boost::system::error_code error;
        const auto n = near.read_some(asio::buffer(buffer), error);
        REQUIRE_FALSE(error);
        REQUIRE(n < buffer.size());
        buffer.resize(n);
        return buffer;
    }
};

// Runs `body` as a coroutine on the pair's context until it is done or 5 s have passed.
template <typename Body>
void run(Pair& pair, Body body) {
    bool done = false;
    asio::co_spawn(
        pair.io,
        [&]() -> awaitable<> {
            co_await body();
            done = true;
        },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    pair.io.run_for(5s);
    REQUIRE(done);
}

// Lets the reactor run (it waits for the timer), so it takes every readiness event pending
// now with nothing waiting for it.
awaitable<> let_reactor_run() {
    SteadyTimer timer(co_await asio::this_coro::executor, 5ms);
    co_await timer.async_wait(use_awaitable);
}

awaitable<boost::system::error_code> wait(TcpSocket& socket) {
    boost::system::error_code error;
    co_await async_wait_drained(socket, asio::redirect_error(use_awaitable, error));
    co_return error;
}

}  // namespace

TEST_CASE("drained wait: completes when bytes come later", "[drained_wait]") {
    Pair pair;
    SteadyTimer later(pair.io.get_executor(), 20ms);
    later.async_wait([&](boost::system::error_code) { pair.send("later"); });
    run(pair, [&]() -> awaitable<> {
        boost::system::error_code error;
        std::array<char, 16> buffer;
        pair.near.read_some(asio::buffer(buffer), error);
        CHECK(error == asio::error::would_block);
        const auto waited = co_await wait(pair.near);
        CHECK_FALSE(waited);
        CHECK(pair.read_all(5) == "later");
    });
}

TEST_CASE("drained wait: bytes that came between the read and the wait complete it",
          "[drained_wait]") {
    Pair pair;
    run(pair, [&]() -> awaitable<> {
        pair.send("first");
        pair.arrived(5);
        co_await let_reactor_run();
        CHECK(pair.read_all(5) == "first");
        // Arrives before the wait is queued: its readiness event, still pending in epoll, is
        // what completes the wait.
        pair.send("second");
        pair.arrived(6);
        const auto waited = co_await wait(pair.near);
        CHECK_FALSE(waited);
        CHECK(pair.read_all(6) == "second");
    });
}

TEST_CASE("drained wait: waits without bytes; a close ends it with an error", "[drained_wait]") {
    Pair pair;
    std::optional<boost::system::error_code> result;
    SteadyTimer check(pair.io.get_executor(), 50ms);
    check.async_wait([&](boost::system::error_code) {
        CHECK_FALSE(result.has_value());  // nothing came: still waiting
        pair.near.close();
    });
    run(pair, [&]() -> awaitable<> {
        pair.send("x");
        CHECK(pair.read_all(1) == "x");
        result = co_await wait(pair.near);
    });
    REQUIRE(result.has_value());
    CHECK(*result == asio::error::operation_aborted);
}

TEST_CASE("drained wait: the peer's close completes it, and the read then sees the end",
          "[drained_wait]") {
    Pair pair;
    SteadyTimer later(pair.io.get_executor(), 20ms);
    later.async_wait([&](boost::system::error_code) { pair.far.close(); });
    run(pair, [&]() -> awaitable<> {
        pair.send("last");
        CHECK(pair.read_all(4) == "last");
        const auto waited = co_await wait(pair.near);
        CHECK_FALSE(waited);
        std::array<char, 16> buffer;
        boost::system::error_code error;
        pair.near.read_some(asio::buffer(buffer), error);
        CHECK(error == asio::error::eof);
    });
}
