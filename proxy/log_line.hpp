// One log line, as text or as a JSON object (--logFormat, LOG FORMAT). JSON lines carry
// "time" (ISO 8601 UTC, milliseconds), "level", "message" and, when the message is about one
// session ("session 12 ..."), "session" as a number, so log pipelines can filter on it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "log.hpp"

namespace amqpprox::proxy {

const char* log_level_name(LogLevel level);

// The whole line, ending in '\n'. `unix_ns`: when, in nanoseconds since the epoch.
std::string format_log_line(LogFormat format, std::int64_t unix_ns, LogLevel level,
                            std::string_view message);

}  // namespace amqpprox::proxy
