// GET /metrics over HTTP/1.1, on listeners of its own (--metrics-port, METRICS LISTEN). Each
// connection gets one response and is closed; requests are bounded in size and time, and
// only a few connections are served at once, so a slow or hostile client costs little.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "asio.hpp"
#include "metrics_http.hpp"

namespace amqpprox::proxy {

struct MetricsServerShared;

class MetricsServer {
public:
    MetricsServer(asio::io_context& io, MetricsRender render);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    // Binds address:port (the address as given: 127.0.0.1, ::1, 0.0.0.0 ...).
    tl::expected<void, std::string> listen(const std::string& address, std::uint16_t port);
    // One listener, or all when port is empty. Requests being answered finish.
    tl::expected<void, std::string> stop(std::optional<std::uint16_t> port);
    // Where scrapes go, in port order: "http://127.0.0.1:9187/metrics".
    std::vector<std::string> urls() const;

private:
    struct Listener {
        std::string address;
        std::shared_ptr<TcpAcceptor> acceptor;
    };
    asio::io_context& m_io;
    std::shared_ptr<MetricsServerShared> m_shared;
    mutable std::mutex m_mutex;
    std::map<std::uint16_t, Listener> m_listeners;
};

}  // namespace amqpprox::proxy
