// What the ADD_DNS backends' names resolve to, looked up again every `period` on the lookup
// thread so BACKEND PRINT shows current addresses. Connections do not use these: each one
// resolves afresh. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "asio.hpp"
#include "proxy/control/backend.hpp"

namespace amqpprox::proxy {

class DnsWatch {
public:
    using Name = std::pair<std::string, std::uint16_t>;  // host, port

    // `lookups` runs the lookups; it must outlive this watch's use.
    DnsWatch(asio::io_context& lookups, std::chrono::seconds period)
        : m_lookups(lookups), m_period(period) {}

    // Starts the lookups that are due (never looked up, or answered `period` ago) and forgets
    // names no longer given. Called on every stats tick.
    void refresh(const std::vector<Name>& names);
    std::optional<control::DnsResolution> last(const std::string& host, std::uint16_t port) const;

private:
    using Clock = std::chrono::steady_clock;
    struct Entry {
        std::optional<Clock::time_point> answered;
        bool in_flight = false;
        std::vector<std::string> addresses;
        std::string error;
    };
    void answer(const Name& name, std::vector<std::string> addresses, std::string error);

    asio::io_context& m_lookups;
    const std::chrono::seconds m_period;
    mutable std::mutex m_mutex;
    std::map<Name, Entry> m_entries;
};

}  // namespace amqpprox::proxy
