#include "hostname_mapper.hpp"

namespace amqpprox::proxy {

std::string HostnameMapper::display(const std::string& ip) {
    if (!m_enabled || ip.empty()) return ip;
    control::HostnameCache::Answer answer;
    {
        std::lock_guard lock(m_mutex);
        answer = m_cache.lookup(ip, control::HostnameCache::Clock::now());
    }
    if (answer.start_lookup) start_lookup(ip);
    return answer.display;
}

std::string HostnameMapper::display_address(const std::string& address) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos) return display(address);
    return display(address.substr(0, colon)) + address.substr(colon);
}

void HostnameMapper::start_lookup(const std::string& ip) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(ip, ec);
    if (ec) {
        std::lock_guard lock(m_mutex);
        m_cache.resolved(ip, std::nullopt, control::HostnameCache::Clock::now());
        return;
    }
    auto resolver = std::make_shared<tcp::resolver>(m_lookups);
    resolver->async_resolve(tcp::endpoint(address, 0),
                            [this, resolver, ip](boost::system::error_code error,
                                                 const tcp::resolver::results_type& results) {
                                std::optional<std::string> name;
                                if (!error && !results.empty()) name = results.begin()->host_name();
                                std::lock_guard lock(m_mutex);
                                m_cache.resolved(ip, std::move(name),
                                                 control::HostnameCache::Clock::now());
                            });
}

}  // namespace amqpprox::proxy
