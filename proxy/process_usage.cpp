#include "process_usage.hpp"

#include <cmath>

#include <sys/resource.h>

namespace amqpprox::proxy {
namespace {

std::chrono::microseconds micros(const timeval& tv) {
    return std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
}

std::uint64_t percent(std::chrono::microseconds used, std::chrono::microseconds wall) {
    if (wall.count() <= 0 || used.count() <= 0) return 0;
    return static_cast<std::uint64_t>(
        std::lround(100.0 * static_cast<double>(used.count()) / static_cast<double>(wall.count())));
}

}  // namespace

ProcessUsage::ProcessUsage() : m_wall(std::chrono::steady_clock::now()) {
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) == 0) {
        m_user = micros(usage.ru_utime);
        m_system = micros(usage.ru_stime);
    }
}

control::ProcessStats ProcessUsage::sample() {
    control::ProcessStats stats;
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) != 0) return stats;
    const auto now = std::chrono::steady_clock::now();
    const auto wall = std::chrono::duration_cast<std::chrono::microseconds>(now - m_wall);
    const auto user = micros(usage.ru_utime) - m_user;
    const auto system = micros(usage.ru_stime) - m_system;
    stats.cpu_percent_user = percent(user, wall);
    stats.cpu_percent_system = percent(system, wall);
    stats.cpu_percent_overall = percent(user + system, wall);
    stats.mem_rss_kb = static_cast<std::uint64_t>(usage.ru_maxrss);
    m_wall = now;
    m_user = micros(usage.ru_utime);
    m_system = micros(usage.ru_stime);
    return stats;
}

}  // namespace amqpprox::proxy
