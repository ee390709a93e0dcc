// Timestamps as people read them: UTC, ISO 8601, microseconds.
#pragma once

#include <cstdint>
#include <string>

namespace amqpprox::text {

// 1700000000123456789 -> "2023-11-14T22:13:20.123456Z"
std::string format_utc_ns(std::int64_t ns);
// A duration in seconds with millisecond precision: "5.333 s".
std::string format_duration_ns(std::int64_t ns);

}  // namespace amqpprox::text
