#include "proxy/control/rate_limit.hpp"

#include <algorithm>

namespace amqpprox::control {

void FixedWindowCounter::roll(LimitClock::time_point now) {
    if (!m_started || now - m_start >= m_window) {
        m_started = true;
        m_start = now;
        m_count = 0;
    }
}

bool FixedWindowCounter::try_take(std::uint64_t limit, LimitClock::time_point now) {
    roll(now);
    if (m_count >= limit) return false;
    ++m_count;
    return true;
}

std::uint64_t FixedWindowCounter::add(std::uint64_t n, LimitClock::time_point now) {
    roll(now);
    m_count += n;
    return m_count;
}

TokenBucket::TokenBucket(std::uint64_t bytes_per_second, LimitClock::time_point now)
    : m_rate(bytes_per_second), m_tokens(0), m_last(now) {
    m_tokens = capacity();
}

double TokenBucket::capacity() const {
    return static_cast<double>(m_rate) * std::chrono::duration<double>(kBurst).count();
}

void TokenBucket::refill(LimitClock::time_point now) {
    if (now <= m_last) return;
    const double seconds = std::chrono::duration<double>(now - m_last).count();
    m_tokens = std::min(capacity(), m_tokens + seconds * static_cast<double>(m_rate));
    m_last = now;
}

void TokenBucket::set_rate(std::uint64_t bytes_per_second, LimitClock::time_point now) {
    refill(now);
    m_rate = bytes_per_second;
    m_tokens = std::min(m_tokens, capacity());
}

void TokenBucket::take(std::uint64_t bytes, LimitClock::time_point now) {
    refill(now);
    m_tokens -= static_cast<double>(bytes);
}

std::chrono::nanoseconds TokenBucket::wait(LimitClock::time_point now) {
    refill(now);
    if (m_tokens >= 0) return std::chrono::nanoseconds::zero();
    if (m_rate == 0) return std::chrono::nanoseconds::max();
    const double seconds = -m_tokens / static_cast<double>(m_rate);
    // Rounded up: waking a nanosecond early would find the bucket still in debt.
    return std::chrono::nanoseconds(static_cast<std::int64_t>(seconds * 1e9) + 1);
}

}  // namespace amqpprox::control
