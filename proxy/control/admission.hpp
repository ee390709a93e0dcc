// Whether a new connection to a vhost may go on, under LIMIT CONN_RATE, CONN_RATE_ALARM and
// CONNECTIONS: a one-second window of new connections and a count of open ones, per vhost.
// Thread-safe (network threads admit and release; the limits come from LimitConfig).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "proxy/control/limits.hpp"
#include "proxy/control/rate_limit.hpp"

namespace amqpprox::control {

struct AdmissionDecision {
    // Set when refused: the Connection.Close text (reply code 530 NOT_ALLOWED).
    std::optional<std::string> refusal;
    // Alarm-only limits passed: warnings to log, each containing AMQPPROX_CONNECTION_LIMIT.
    std::vector<std::string> alarms;
};

class ConnectionAdmission {
public:
    explicit ConnectionAdmission(const LimitConfig& config) : m_config(config) {}

    // Decides on a new connection to `vhost`. Admitted, it counts as open until release().
    // A refused connection takes no place in the rate window (as in amqpprox), so clients
    // retrying fast do not lock each other out for longer.
    AdmissionDecision admit(const std::string& vhost, LimitClock::time_point now);
    void release(const std::string& vhost);
    // Open connections counted for the vhost.
    std::uint64_t open(const std::string& vhost) const;

private:
    struct VhostState {
        FixedWindowCounter rate;
        FixedWindowCounter alarm;
        std::uint64_t open = 0;
    };

    const LimitConfig& m_config;
    mutable std::mutex m_mutex;
    // Vhosts with open connections or a rate limit (whose window must persist).
    std::map<std::string, VhostState> m_vhosts;
};

}  // namespace amqpprox::control
