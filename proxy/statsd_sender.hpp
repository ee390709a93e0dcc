// STAT SEND: StatsD datagrams over UDP to one destination. A host name is resolved in the
// background; ticks before it is known are not sent. Sending never blocks: a datagram the
// socket cannot take at once is dropped, as UDP would anyway. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "asio.hpp"

namespace amqpprox::proxy {

class StatsdSender {
public:
    // `lookups` resolves host names; it must outlive this sender's use.
    explicit StatsdSender(asio::io_context& lookups) : m_lookups(lookups) {}

    // Sends from now on to host:port (replacing any earlier destination).
    void start(const std::string& host, std::uint16_t port);
    void stop();
    bool active() const;
    // The datagrams of one tick, when a destination is known.
    void send(const std::vector<std::string>& datagrams);

private:
    void set_destination(std::uint64_t generation, const asio::ip::udp::endpoint& endpoint);

    asio::io_context& m_lookups;
    mutable std::mutex m_mutex;
    bool m_active = false;
    std::uint64_t m_generation = 0;  // a late answer for a replaced destination is ignored
    std::optional<asio::ip::udp::endpoint> m_destination;
    std::optional<asio::ip::udp::socket> m_socket;
};

}  // namespace amqpprox::proxy
