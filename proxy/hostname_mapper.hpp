// MAPHOSTNAME DNS: client IPs shown as host names in CONN and STAT source keys. Names come
// from reverse lookups on the lookup thread; until one answers the IP is shown, so neither
// the network threads nor the control thread ever wait for DNS. Thread-safe.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include "asio.hpp"
#include "proxy/control/hostname_cache.hpp"

namespace amqpprox::proxy {

class HostnameMapper {
public:
    // `lookups` runs the reverse lookups; it must outlive this mapper's use.
    explicit HostnameMapper(asio::io_context& lookups) : m_lookups(lookups) {}

    void enable() { m_enabled = true; }
    bool enabled() const { return m_enabled; }
    // The name for `ip` when mapping is on and one is known, else `ip`.
    std::string display(const std::string& ip);
    // "ip:port" with the IP part mapped.
    std::string display_address(const std::string& address);

private:
    void start_lookup(const std::string& ip);

    asio::io_context& m_lookups;
    std::atomic<bool> m_enabled{false};
    std::mutex m_mutex;
    control::HostnameCache m_cache;
};

}  // namespace amqpprox::proxy
