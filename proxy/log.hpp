// Log lines to standard error (and, with LOG FILE, a file later): one line each, with time,
// level and the session they concern. Levels as amqpprox: 0 FATAL .. 5 TRACE.
#pragma once

#include <string_view>

namespace amqpprox::proxy {

enum class LogLevel : int { fatal = 0, error = 1, warning = 2, info = 3, debug = 4, trace = 5 };

void set_console_log_level(LogLevel level);
bool log_enabled(LogLevel level);
void log(LogLevel level, std::string_view line);

}  // namespace amqpprox::proxy
