// Which host names are known for client IPs (MAPHOSTNAME DNS), and which lookups to start.
// Lookups themselves happen elsewhere, in the background: until a name is known the IP is
// shown. Names are kept for `ttl`; failed lookups are remembered as well (shown as the IP) so
// a host without a PTR record is not asked about on every tick. The cache holds at most
// `capacity` addresses, dropping the least recently used. Pure logic, not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <map>
#include <optional>
#include <string>

namespace amqpprox::control {

class HostnameCache {
public:
    using Clock = std::chrono::steady_clock;

    struct Options {
        std::chrono::seconds ttl{300};
        std::chrono::seconds failure_ttl{60};
        std::size_t capacity = 10'000;
    };

    HostnameCache() : HostnameCache(Options{}) {}
    explicit HostnameCache(Options options) : m_options(options) {}

    struct Answer {
        std::string display;        // the name when known, else the IP itself
        bool start_lookup = false;  // the caller should resolve `ip` and call resolved()
    };
    // What to show for `ip` now. Asks for a lookup when none is known, pending or fresh.
    Answer lookup(const std::string& ip, Clock::time_point now);

    // A lookup finished: the name, or nothing when the address has none.
    void resolved(const std::string& ip, std::optional<std::string> name, Clock::time_point now);

    std::size_t size() const { return m_entries.size(); }

private:
    struct Entry {
        std::optional<std::string> name;
        bool pending = false;
        Clock::time_point expires{};
        std::list<std::string>::iterator recent;  // position in m_recent
    };
    Entry& touch(const std::string& ip);

    Options m_options;
    std::map<std::string, Entry> m_entries;
    std::list<std::string> m_recent;  // most recently used first
};

}  // namespace amqpprox::control
