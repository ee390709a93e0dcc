#include "time.hpp"

#include <cstdio>
#include <ctime>

namespace amqpprox::text {

std::string format_utc_ns(std::int64_t ns) {
    auto seconds = static_cast<std::time_t>(ns / 1'000'000'000);
    auto micros = (ns % 1'000'000'000) / 1000;
    if (micros < 0) {
        micros += 1'000'000;
        --seconds;
    }
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[48];
    const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%06lldZ", static_cast<long long>(micros));
    return buf;
}

std::string format_duration_ns(std::int64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(ns) / 1e9);
    return buf;
}

}  // namespace amqpprox::text
