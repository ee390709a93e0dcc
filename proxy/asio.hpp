// The one way this project includes Asio. <utility> must come first: Asio 1.18's
// awaitable.hpp uses std::exchange without including it (g++ 12, libstdc++ 12).
#pragma once

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace amqpprox::proxy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
template <typename T = void>
using awaitable = asio::awaitable<T>;
using asio::use_awaitable;

}  // namespace amqpprox::proxy
