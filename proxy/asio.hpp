// The one way this project includes Asio. <utility> must come first: Asio 1.18's
// awaitable.hpp uses std::exchange without including it (g++ 12, libstdc++ 12).
#pragma once

#include <chrono>
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace amqpprox::proxy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Every coroutine, socket and timer of the proxy runs on one io_context (IoPool: one per
// thread) and names that context's executor, not the type-erased any_io_executor: each
// completion and each co_await then goes without the erased calls, which took a fifth of
// the proxy's user time per connection (perf, docs/BENCHMARKS.md).
using Executor = asio::io_context::executor_type;
template <typename T = void>
using awaitable = asio::awaitable<T, Executor>;
inline constexpr asio::use_awaitable_t<Executor> use_awaitable{};
using TcpSocket = asio::basic_stream_socket<tcp, Executor>;
using TcpAcceptor = asio::basic_socket_acceptor<tcp, Executor>;
using LocalSocket = asio::basic_stream_socket<asio::local::stream_protocol, Executor>;
using LocalAcceptor = asio::basic_socket_acceptor<asio::local::stream_protocol, Executor>;
using SteadyTimer =
    asio::basic_waitable_timer<std::chrono::steady_clock,
                               asio::wait_traits<std::chrono::steady_clock>, Executor>;

}  // namespace amqpprox::proxy
