#include "statsd_sender.hpp"

#include "log.hpp"

namespace amqpprox::proxy {

using udp = asio::ip::udp;

void StatsdSender::start(const std::string& host, std::uint16_t port) {
    std::uint64_t generation = 0;
    {
        std::lock_guard lock(m_mutex);
        m_active = true;
        generation = ++m_generation;
        m_destination.reset();
        m_socket.reset();
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (!ec) {
        set_destination(generation, udp::endpoint(address, port));
        return;
    }
    auto resolver = std::make_shared<udp::resolver>(m_lookups);
    resolver->async_resolve(
        host, std::to_string(port),
        [this, resolver, generation, host](boost::system::error_code error,
                                           const udp::resolver::results_type& results) {
            if (error || results.empty()) {
                log(LogLevel::error, "STAT SEND: cannot resolve '" + host +
                                         "': " + (error ? error.message() : "no address"));
                return;
            }
            // IPv4 first: StatsD servers often listen on 0.0.0.0 only, while "localhost"
            // may list ::1 first.
            auto chosen = results.begin()->endpoint();
            for (const auto& entry : results) {
                if (entry.endpoint().address().is_v4()) {
                    chosen = entry.endpoint();
                    break;
                }
            }
            set_destination(generation, chosen);
        });
}

void StatsdSender::set_destination(std::uint64_t generation, const udp::endpoint& endpoint) {
    std::lock_guard lock(m_mutex);
    if (generation != m_generation || !m_active) return;
    boost::system::error_code ec;
    udp::socket socket(m_lookups);
    socket.open(endpoint.protocol(), ec);
    if (!ec) socket.non_blocking(true, ec);
    if (ec) {
        log(LogLevel::error, "STAT SEND: cannot open a UDP socket: " + ec.message());
        return;
    }
    m_socket.emplace(std::move(socket));
    m_destination = endpoint;
    log(LogLevel::info, "sending stats to " + endpoint.address().to_string() + ":" +
                            std::to_string(endpoint.port()));
}

void StatsdSender::stop() {
    std::lock_guard lock(m_mutex);
    m_active = false;
    ++m_generation;
    m_destination.reset();
    m_socket.reset();
}

bool StatsdSender::active() const {
    std::lock_guard lock(m_mutex);
    return m_active;
}

void StatsdSender::send(const std::vector<std::string>& datagrams) {
    std::lock_guard lock(m_mutex);
    if (!m_socket || !m_destination) return;
    for (const auto& datagram : datagrams) {
        boost::system::error_code ec;
        m_socket->send_to(asio::buffer(datagram), *m_destination, 0, ec);
        if (ec) {
            // A refused port (ICMP from a closed listener) or a full buffer: this tick is lost;
            // the next one tries again.
            log(LogLevel::debug, "STAT SEND: " + ec.message());
            return;
        }
    }
}

}  // namespace amqpprox::proxy
