// One session's share of LIMIT, made once Connection.Open has named its vhost and the
// session was admitted: its place in the vhost's open-connection count (given back when this
// is destroyed, with the session), and the pacing of its client's reads under DATA_RATE and
// DATA_RATE_ALARM. Data-rate limits are looked up again whenever LimitConfig changes, so LIMIT
// applies to running sessions. Used on the session's thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "asio.hpp"
#include "proxy/control/admission.hpp"
#include "proxy/control/limits.hpp"
#include "proxy/control/rate_limit.hpp"

namespace amqpprox::proxy {

class SessionLimits {
public:
    SessionLimits(const Executor& executor, const control::LimitConfig& config,
                  control::ConnectionAdmission& admission, std::uint64_t session,
                  std::string vhost);
    ~SessionLimits();
    SessionLimits(const SessionLimits&) = delete;
    SessionLimits& operator=(const SessionLimits&) = delete;

    // Counts a read of `bytes` from the client: true when the next read may go at once, false
    // when pace() must be awaited first (DATA_RATE). It does not suspend, so a reader that
    // needs no pacing keeps its place (see async_wait_drained).
    bool count_read(std::size_t bytes);
    // The session is closing: a reader waiting in pace() goes on at once.
    void cancel();

private:
    friend awaitable<> pace(std::shared_ptr<SessionLimits> limits);

    // Re-reads the data-rate limits when the configuration changed since the last look.
    void refresh(control::LimitClock::time_point now);
    // Counts a read against both limits; logs the alarm at most once a window.
    void on_read(std::size_t bytes, control::LimitClock::time_point now);

    SteadyTimer m_timer;
    const control::LimitConfig& m_config;
    control::ConnectionAdmission& m_admission;
    std::uint64_t m_session;
    std::string m_vhost;
    bool m_cancelled = false;
    std::optional<std::uint64_t> m_generation;     // of the limits below; none yet
    std::optional<control::TokenBucket> m_bucket;  // DATA_RATE, when set
    std::optional<std::uint64_t> m_alarm_rate;     // DATA_RATE_ALARM, when set
    control::FixedWindowCounter m_alarm_window;
    std::optional<control::LimitClock::time_point> m_alarmed_window;  // logged for this one
};

// After count_read() said to wait: returns when the client may be read from again under
// DATA_RATE. While it waits nothing is read, so TCP pushes back on the client. Wakes at least
// every 100 ms to pick up LIMIT changes.
awaitable<> pace(std::shared_ptr<SessionLimits> limits);

}  // namespace amqpprox::proxy
