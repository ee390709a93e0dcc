#include "time.hpp"

#include <cstdio>
#include <ctime>

namespace amqpprox::text {

std::string format_utc_ns(std::int64_t ns, int digits) {
    std::int64_t unit = 1;  // nanoseconds per last digit shown
    for (int i = digits; i < 9; ++i)
        unit *= 10;
    // Floor division: a time before the epoch rounds down, as a clock shows it.
    auto units = ns / unit;
    if (ns % unit < 0) --units;
    const std::int64_t per_second = 1'000'000'000 / unit;
    auto seconds = static_cast<std::time_t>(units / per_second);
    auto fraction = units % per_second;
    if (fraction < 0) {
        fraction += per_second;
        --seconds;
    }
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[48];
    const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%0*lldZ", digits, static_cast<long long>(fraction));
    return buf;
}

void UtcMicrosFormatter::append(std::string& out, std::int64_t ns) {
    auto micros = ns / 1000;
    if (ns % 1000 < 0) --micros;  // floor, as format_utc_ns
    auto second = micros / 1'000'000;
    auto fraction = micros % 1'000'000;
    if (fraction < 0) {
        fraction += 1'000'000;
        --second;
    }
    if (second != m_second) {
        auto seconds = static_cast<std::time_t>(second);
        std::tm tm{};
        gmtime_r(&seconds, &tm);
        m_prefix_size = std::strftime(m_prefix, sizeof m_prefix - 1, "%Y-%m-%dT%H:%M:%S", &tm);
        m_prefix[m_prefix_size++] = '.';
        m_second = second;
    }
    char digits[8];
    for (int i = 5; i >= 0; --i) {
        digits[i] = static_cast<char>('0' + fraction % 10);
        fraction /= 10;
    }
    digits[6] = 'Z';
    out.append(m_prefix, m_prefix_size);
    out.append(digits, 7);
}

std::string format_duration_ns(std::int64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(ns) / 1e9);
    return buf;
}

}  // namespace amqpprox::text
