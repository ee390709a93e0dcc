// A wake-up for coroutines on one single-threaded io_context (Asio 1.18 has no channels):
// each waiter parks on its own timer, notify() cancels them all, and a woken waiter
// re-checks whatever it waits for.
#pragma once

#include <chrono>
#include <vector>

#include "proxy/asio.hpp"

namespace amqpstream {

namespace asio = boost::asio;
using amqpprox::proxy::awaitable;
using amqpprox::proxy::Executor;
using amqpprox::proxy::SteadyTimer;
using amqpprox::proxy::TcpAcceptor;
using amqpprox::proxy::TcpSocket;
using amqpprox::proxy::use_awaitable;
using Clock = std::chrono::steady_clock;

class Event {
public:
    void notify() {
        for (auto* timer : m_waiters)
            timer->cancel();
    }

    // Until notify() or `deadline`: false when the deadline passed first.
    awaitable<bool> wait_until(Clock::time_point deadline) {
        // Not inside the constructor's arguments: GCC 12 mis-compiles a co_await there.
        auto executor = co_await asio::this_coro::executor;
        SteadyTimer timer(executor, deadline);
        m_waiters.push_back(&timer);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
        std::erase(m_waiters, &timer);
        co_return ec == asio::error::operation_aborted;
    }
    awaitable<void> wait() {
        const bool woken = co_await wait_until(Clock::time_point::max());
        (void)woken;
    }

private:
    std::vector<SteadyTimer*> m_waiters;
};

// A deadline `timeout` from now; none for a zero timeout.
inline Clock::time_point deadline_after(std::chrono::milliseconds timeout) {
    return timeout.count() > 0 ? Clock::now() + timeout : Clock::time_point::max();
}

}  // namespace amqpstream
