#include "log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "capture/writer.hpp"
#include "formats/text/time.hpp"

namespace amqpprox::proxy {
namespace {

std::atomic<int> g_console_level{static_cast<int>(LogLevel::info)};
std::mutex g_mutex;

const char* name(LogLevel level) {
    switch (level) {
        case LogLevel::fatal:
            return "FATAL";
        case LogLevel::error:
            return "ERROR";
        case LogLevel::warning:
            return "WARN";
        case LogLevel::info:
            return "INFO";
        case LogLevel::debug:
            return "DEBUG";
        case LogLevel::trace:
            return "TRACE";
    }
    return "?";
}

}  // namespace

void set_console_log_level(LogLevel level) {
    g_console_level = static_cast<int>(level);
}

bool log_enabled(LogLevel level) {
    return static_cast<int>(level) <= g_console_level;
}

void log(LogLevel level, std::string_view line) {
    if (!log_enabled(level)) return;
    const auto stamp = text::format_utc_ns(capture::now_ns());
    std::lock_guard lock(g_mutex);
    std::fprintf(stderr, "%s %-5s %.*s\n", stamp.c_str(), name(level),
                 static_cast<int>(line.size()), line.data());
}

}  // namespace amqpprox::proxy
