// Log lines to standard error and, when a log directory is set, to files named as amqpprox
// names them (amqpprox_YYYYMMDD_NNNNN.log, a new one at 32 MiB or at midnight UTC). One line
// each, with time and level, as text or JSON. Levels as amqpprox: 0 FATAL .. 5 TRACE.
#pragma once

#include <string>
#include <string_view>

namespace amqpprox::proxy {

enum class LogLevel : int { fatal = 0, error = 1, warning = 2, info = 3, debug = 4, trace = 5 };
// text: "TIME LEVEL message"; json: one JSON object a line (see log_line.hpp).
enum class LogFormat : int { text = 0, json = 1 };

// Console and files alike, from the next line on.
void set_log_format(LogFormat format);

void set_console_log_level(LogLevel level);
// Starts writing log files into `directory` (created if missing) at `level`; returns an
// error text when the directory cannot be used.
std::string open_log_directory(const std::string& directory, LogLevel level);
// False when no log directory is open (nothing changes then).
bool set_file_log_level(LogLevel level);
bool log_enabled(LogLevel level);
void log(LogLevel level, std::string_view line);

}  // namespace amqpprox::proxy
