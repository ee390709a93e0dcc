#include "log_line.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "formats/text/escape.hpp"
#include "formats/text/time.hpp"

namespace amqpprox::proxy {
namespace {

// The session id a message starts with ("session 12 from ...", "session 12: ..."), if any.
std::string_view session_id(std::string_view message) {
    constexpr std::string_view prefix = "session ";
    if (!message.starts_with(prefix)) return {};
    const auto digits = message.substr(prefix.size());
    std::size_t n = 0;
    while (n < digits.size() && digits[n] >= '0' && digits[n] <= '9')
        ++n;
    if (n == 0 || n > 19) return {};
    if (n < digits.size() && digits[n] != ' ' && digits[n] != ':') return {};
    return digits.substr(0, n);
}

}  // namespace

const char* log_level_name(LogLevel level) {
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

std::string format_log_line(LogFormat format, std::int64_t unix_ns, LogLevel level,
                            std::string_view message) {
    if (format == LogFormat::text) {
        char head[16];
        std::snprintf(head, sizeof head, " %-5s ", log_level_name(level));
        return text::format_utc_ns(unix_ns) + head + std::string(message) + "\n";
    }
    std::string out = "{\"time\":\"" + text::format_utc_ns(unix_ns, 3) + "\",\"level\":\"" +
                      log_level_name(level) + "\",\"message\":";
    text::append_json_string(out, message);
    if (const auto id = session_id(message); !id.empty()) {
        out += ",\"session\":";
        out += id;
    }
    out += "}\n";
    return out;
}

}  // namespace amqpprox::proxy
