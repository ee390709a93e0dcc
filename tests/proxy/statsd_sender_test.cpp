// StatsdSender against a UDP socket on loopback: datagrams arrive as given, a host name
// resolves in the background, STAT STOP SEND stops them.
#include "proxy/statsd_sender.hpp"

#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "proxy/lookup_thread.hpp"

using namespace amqpprox::proxy;
using udp = asio::ip::udp;

namespace {

// Everything that arrives within `wait`.
std::vector<std::string> receive(udp::socket& socket, std::chrono::milliseconds wait) {
    std::vector<std::string> got;
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
        boost::system::error_code ec;
        if (socket.available(ec) > 0) {
            std::string buffer(65536, '\0');
            const auto n = socket.receive(asio::buffer(buffer), 0, ec);
            if (!ec) got.push_back(buffer.substr(0, n));
            continue;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return got;
}

}  // namespace

TEST_CASE("statsd sender: sends to an IP at once, stops on stop()", "[statsd]") {
    asio::io_context io;
    udp::socket server(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    LookupThread lookups;
    StatsdSender sender(lookups.io());
    CHECK_FALSE(sender.active());
    sender.send({"ignored:1|c"});  // no destination yet: nothing, no error

    sender.start("127.0.0.1", server.local_endpoint().port());
    CHECK(sender.active());
    sender.send({"a:1|c\nb:2|g", "c:3|c"});
    CHECK(receive(server, std::chrono::milliseconds(200)) ==
          std::vector<std::string>{"a:1|c\nb:2|g", "c:3|c"});

    sender.stop();
    CHECK_FALSE(sender.active());
    sender.send({"late:1|c"});
    CHECK(receive(server, std::chrono::milliseconds(100)).empty());
}

TEST_CASE("statsd sender: a host name resolves in the background", "[statsd]") {
    asio::io_context io;
    udp::socket server(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    LookupThread lookups;
    StatsdSender sender(lookups.io());
    sender.start("localhost", server.local_endpoint().port());
    // Ticks before the name is known are not sent; one of the next ones arrives.
    std::vector<std::string> got;
    for (int i = 0; i < 40 && got.empty(); ++i) {
        sender.send({"tick:1|c"});
        got = receive(server, std::chrono::milliseconds(50));
    }
    REQUIRE_FALSE(got.empty());
    CHECK(got.front() == "tick:1|c");
}
