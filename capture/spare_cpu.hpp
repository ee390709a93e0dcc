// Whether the host has a CPU to spare for work that can wait: from /proc/stat, the CPUs
// that everything but the calling thread kept busy since the last look. The capture writer
// writes spooled batches as rows only then, not merely when its own traffic is quiet: a
// broker on the same host may still be working off what the proxy passed it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace amqpprox::capture {

class SpareCpu {
public:
    // `needed`: how many CPUs the rest of the host must leave over (at most three quarters
    // of them, on a host with few).
    explicit SpareCpu(double needed = 1.5) : m_needed(needed) {}

    // On the thread whose own CPU time does not count against the host. Looks again at
    // most every `interval`, and answers the last look in between. True when /proc/stat
    // cannot be read (nothing to go by).
    bool spare(std::chrono::milliseconds interval = std::chrono::milliseconds(100));

private:
    struct Sample {
        std::chrono::steady_clock::time_point at;
        std::uint64_t busy_ticks = 0;  // the host's, in USER_HZ
        std::uint64_t all_ticks = 0;
        std::int64_t own_ns = 0;  // the calling thread's CPU time
    };
    static std::optional<Sample> take();

    const double m_needed;
    std::optional<Sample> m_last;
    bool m_spare = true;
};

}  // namespace amqpprox::capture
