#include "proxy/control/hostname_cache.hpp"

namespace amqpprox::control {

HostnameCache::Entry& HostnameCache::touch(const std::string& ip) {
    auto it = m_entries.find(ip);
    if (it != m_entries.end()) {
        m_recent.splice(m_recent.begin(), m_recent, it->second.recent);
        return it->second;
    }
    while (!m_entries.empty() && m_entries.size() >= m_options.capacity) {
        m_entries.erase(m_recent.back());
        m_recent.pop_back();
    }
    m_recent.push_front(ip);
    auto& entry = m_entries[ip];
    entry.recent = m_recent.begin();
    return entry;
}

HostnameCache::Answer HostnameCache::lookup(const std::string& ip, Clock::time_point now) {
    if (m_options.capacity == 0) return {ip, false};
    auto& entry = touch(ip);
    Answer answer{entry.name.value_or(ip), false};
    // A stale name is still shown while it is looked up again.
    if (!entry.pending && (entry.expires == Clock::time_point{} || now >= entry.expires)) {
        entry.pending = true;
        answer.start_lookup = true;
    }
    return answer;
}

void HostnameCache::resolved(const std::string& ip, std::optional<std::string> name,
                             Clock::time_point now) {
    const auto it = m_entries.find(ip);
    if (it == m_entries.end()) return;  // dropped meanwhile; asked for again when seen again
    auto& entry = it->second;
    entry.pending = false;
    // A name equal to the IP is what getnameinfo gives when there is no name.
    if (name && !name->empty() && *name != ip) {
        entry.name = std::move(name);
        entry.expires = now + m_options.ttl;
    } else {
        entry.expires = now + m_options.failure_ttl;  // a stale name stays until then
    }
}

}  // namespace amqpprox::control
