// The arithmetic behind LIMIT: amqpprox's fixed-window counter (connection rates, alarm
// windows) and a token bucket (client data rates). The caller passes the time, so the
// proxy uses steady_clock and the tests a fake clock: no sleeping, no threads, no locks.
#pragma once

#include <chrono>
#include <cstdint>

namespace amqpprox::control {

using LimitClock = std::chrono::steady_clock;

// A window of fixed length that starts with the first event after the previous one ended
// (amqpprox's FixedWindowConnectionRateLimiter): a burst at a window's edge can let in up to
// twice the limit within one second, which is what amqpprox's users have configured for.
class FixedWindowCounter {
public:
    explicit FixedWindowCounter(std::chrono::nanoseconds window = std::chrono::seconds(1))
        : m_window(window) {}

    // Counts one event and returns true while fewer than `limit` were let in this window; an
    // event refused is not counted.
    bool try_take(std::uint64_t limit, LimitClock::time_point now);
    // Adds `n` (bytes, say) to this window's total and returns the total.
    std::uint64_t add(std::uint64_t n, LimitClock::time_point now);
    // When the current window started (meaningful after the first event).
    LimitClock::time_point window_start() const { return m_start; }

private:
    void roll(LimitClock::time_point now);

    std::chrono::nanoseconds m_window;
    LimitClock::time_point m_start{};
    bool m_started = false;
    std::uint64_t m_count = 0;
};

// Bytes per second with a small burst. Reads take what they read, even more than is there
// (the bucket goes into debt), and the reader then waits until the debt is paid: a reader
// that cannot know a read's size in advance still averages the rate.
class TokenBucket {
public:
    // How much may pass at once after idling: a tenth of a second's worth. Small, so that the
    // rate holds over a few seconds, not just in the long run.
    static constexpr std::chrono::milliseconds kBurst{100};

    TokenBucket(std::uint64_t bytes_per_second, LimitClock::time_point now);

    // A live change (LIMIT DATA_RATE on a running session): what was earned so far at the
    // old rate stays, within the new burst.
    void set_rate(std::uint64_t bytes_per_second, LimitClock::time_point now);
    std::uint64_t rate() const { return m_rate; }
    void take(std::uint64_t bytes, LimitClock::time_point now);
    // How long until the bucket is out of debt: zero when it is not in debt; nanoseconds::max()
    // for a rate of 0 (nothing passes until the limit changes).
    std::chrono::nanoseconds wait(LimitClock::time_point now);

private:
    void refill(LimitClock::time_point now);
    double capacity() const;

    std::uint64_t m_rate;
    double m_tokens;  // negative: debt
    LimitClock::time_point m_last;
};

}  // namespace amqpprox::control
