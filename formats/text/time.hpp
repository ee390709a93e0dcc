// Timestamps as people read them: UTC, ISO 8601, microseconds (or as many digits as asked).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace amqpprox::text {

// 1700000000123456789 -> "2023-11-14T22:13:20.123456Z"; digits 3: "...20.123Z". digits is
// 1 to 9; times before the epoch round down.
std::string format_utc_ns(std::int64_t ns, int digits = 6);

// format_utc_ns(ns) appended to `out`, for a stream of mostly increasing timestamps (a
// trace's lines): the date and time of day are formatted once per second, not per line.
class UtcMicrosFormatter {
public:
    void append(std::string& out, std::int64_t ns);

private:
    std::int64_t m_second = INT64_MIN;
    char m_prefix[32] = {};  // "2023-11-14T22:13:20." for m_second
    std::size_t m_prefix_size = 0;
};

// A duration in seconds with millisecond precision: "5.333 s".
std::string format_duration_ns(std::int64_t ns);

}  // namespace amqpprox::text
