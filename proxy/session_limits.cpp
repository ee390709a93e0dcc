#include "session_limits.hpp"

#include <algorithm>

#include <boost/asio/redirect_error.hpp>

#include "log.hpp"

namespace amqpprox::proxy {

using control::LimitClock;
using control::LimitKind;

SessionLimits::SessionLimits(const Executor& executor, const control::LimitConfig& config,
                             control::ConnectionAdmission& admission, std::uint64_t session,
                             std::string vhost)
    : m_timer(executor),
      m_config(config),
      m_admission(admission),
      m_session(session),
      m_vhost(std::move(vhost)) {}

SessionLimits::~SessionLimits() {
    m_admission.release(m_vhost);
}

void SessionLimits::cancel() {
    m_cancelled = true;
    m_timer.cancel();
}

void SessionLimits::refresh(LimitClock::time_point now) {
    const auto generation = m_config.generation();
    if (m_generation == generation) return;
    m_generation = generation;
    const auto rate = m_config.effective(LimitKind::data_rate, m_vhost);
    if (!rate) {
        m_bucket.reset();
    } else if (m_bucket) {
        m_bucket->set_rate(*rate, now);
    } else {
        m_bucket.emplace(*rate, now);
    }
    m_alarm_rate = m_config.effective(LimitKind::data_rate_alarm, m_vhost);
}

void SessionLimits::on_read(std::size_t bytes, LimitClock::time_point now) {
    refresh(now);
    if (m_bucket) m_bucket->take(bytes, now);
    if (!m_alarm_rate) return;
    const auto total = m_alarm_window.add(bytes, now);
    if (total <= *m_alarm_rate || m_alarmed_window == m_alarm_window.window_start()) return;
    m_alarmed_window = m_alarm_window.window_start();
    log(LogLevel::warning, "AMQPPROX_DATA_LIMIT: session " + std::to_string(m_session) +
                               " (vhost '" + m_vhost + "') read " + std::to_string(total) +
                               " bytes from its client within 1 s, above the alarm only data "
                               "rate limit of " +
                               std::to_string(*m_alarm_rate) + " bytes per second");
}

bool SessionLimits::count_read(std::size_t bytes) {
    const auto now = LimitClock::now();
    on_read(bytes, now);
    return !m_bucket || m_bucket->wait(now) == std::chrono::nanoseconds::zero();
}

awaitable<> pace(std::shared_ptr<SessionLimits> limits) {
    auto& l = *limits;
    while (!l.m_cancelled) {
        const auto now = LimitClock::now();
        l.refresh(now);
        if (!l.m_bucket) break;
        const auto wait = l.m_bucket->wait(now);
        if (wait == std::chrono::nanoseconds::zero()) break;
        // In slices, so that a limit raised or removed meanwhile takes effect soon.
        l.m_timer.expires_after(
            std::min<std::chrono::nanoseconds>(wait, std::chrono::milliseconds(100)));
        boost::system::error_code ignored;
        co_await l.m_timer.async_wait(asio::redirect_error(use_awaitable, ignored));
    }
}

}  // namespace amqpprox::proxy
