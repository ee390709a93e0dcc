#include "proxy/dns_watch.hpp"

#include <memory>

namespace amqpprox::proxy {

void DnsWatch::refresh(const std::vector<Name>& names) {
    std::vector<Name> due;
    {
        std::lock_guard lock(m_mutex);
        std::map<Name, Entry> kept;
        const auto now = Clock::now();
        for (const auto& name : names) {
            auto found = m_entries.find(name);
            Entry entry = found == m_entries.end() ? Entry{} : std::move(found->second);
            if (!entry.in_flight && (!entry.answered || now - *entry.answered >= m_period)) {
                entry.in_flight = true;
                due.push_back(name);
            }
            kept.emplace(name, std::move(entry));
        }
        m_entries = std::move(kept);
    }
    for (const auto& name : due) {
        auto resolver = std::make_shared<asio::ip::tcp::resolver>(m_lookups);
        resolver->async_resolve(
            name.first, std::to_string(name.second),
            [this, name, resolver](const std::error_code& ec,
                                   const asio::ip::tcp::resolver::results_type& results) {
                std::vector<std::string> addresses;
                for (const auto& entry : results) {
                    const auto endpoint = entry.endpoint();
                    const auto ip = endpoint.address().to_string();
                    addresses.push_back((endpoint.address().is_v6() ? "[" + ip + "]" : ip) + ":" +
                                        std::to_string(endpoint.port()));
                }
                answer(name, std::move(addresses), ec ? ec.message() : std::string());
            });
    }
}

void DnsWatch::answer(const Name& name, std::vector<std::string> addresses, std::string error) {
    std::lock_guard lock(m_mutex);
    auto it = m_entries.find(name);
    if (it == m_entries.end()) return;  // deleted meanwhile
    it->second.in_flight = false;
    it->second.answered = Clock::now();
    it->second.addresses = std::move(addresses);
    it->second.error = std::move(error);
}

std::optional<control::DnsResolution> DnsWatch::last(const std::string& host,
                                                     std::uint16_t port) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_entries.find({host, port});
    if (it == m_entries.end() || !it->second.answered) return std::nullopt;
    const auto age =
        std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - *it->second.answered);
    return control::DnsResolution{it->second.addresses, it->second.error, age.count()};
}

}  // namespace amqpprox::proxy
