#include "proxy/log_line.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "formats/text/time.hpp"

using namespace amqpprox::proxy;

namespace {

// 2023-11-14T22:13:20.123456789Z
constexpr std::int64_t kWhen = 1'700'000'000'123'456'789;

}  // namespace

TEST_CASE("text log lines keep their format", "[proxy][log]") {
    CHECK(format_log_line(LogFormat::text, kWhen, LogLevel::warning, "hello") ==
          "2023-11-14T22:13:20.123456Z WARN  hello\n");
}

TEST_CASE("JSON log lines: time in ms, level, message, session", "[proxy][log]") {
    CHECK(
        format_log_line(LogFormat::json, kWhen, LogLevel::info, "listening on 0.0.0.0:5672") ==
        R"({"time":"2023-11-14T22:13:20.123Z","level":"INFO","message":"listening on 0.0.0.0:5672"})"
        "\n");
    CHECK(
        format_log_line(LogFormat::json, kWhen, LogLevel::warning,
                        "session 42 from 127.0.0.1:5000: closing") ==
        R"({"time":"2023-11-14T22:13:20.123Z","level":"WARN","message":"session 42 from 127.0.0.1:5000: closing","session":42})"
        "\n");
    CHECK(format_log_line(LogFormat::json, 0, LogLevel::debug, "session 7: x")
              .ends_with(R"("session":7})"
                         "\n"));
    // Not a session id: no field.
    CHECK(format_log_line(LogFormat::json, 0, LogLevel::info, "session abc").find("\"session\":") ==
          std::string::npos);
    CHECK(format_log_line(LogFormat::json, 0, LogLevel::info, "sessions 1").find("\"session\":") ==
          std::string::npos);
    CHECK(amqpprox::text::format_utc_ns(0, 3) == "1970-01-01T00:00:00.000Z");
    CHECK(amqpprox::text::format_utc_ns(-1, 3) == "1969-12-31T23:59:59.999Z");
    CHECK(amqpprox::text::format_utc_ns(-1) == "1969-12-31T23:59:59.999999Z");
    CHECK(amqpprox::text::format_utc_ns(1700000000123456789, 9) ==
          "2023-11-14T22:13:20.123456789Z");
}

TEST_CASE("JSON log lines escape quotes and control characters, keep UTF-8", "[proxy][log]") {
    const std::string message = "vhost \"a\\b\"\ttab\nnewline\r\x01\x1f caf\xc3\xa9 \xe2\x82\xac";
    const auto line = format_log_line(LogFormat::json, kWhen, LogLevel::error, message);
    CHECK(line.find('\n') == line.size() - 1);  // one line
    CHECK(line.find(R"(vhost \"a\\b\"\ttab\nnewline\r\u0001\u001f caf)") != std::string::npos);
    CHECK(line.find("caf\xc3\xa9 \xe2\x82\xac") != std::string::npos);  // raw UTF-8
    const auto parsed = nlohmann::json::parse(line);
    CHECK(parsed["message"] == message);
    CHECK(parsed["level"] == "ERROR");
    CHECK(parsed["time"] == "2023-11-14T22:13:20.123Z");
    // Bytes that are not UTF-8 (AMQP strings are bytes) still make valid JSON.
    const auto bad = format_log_line(LogFormat::json, kWhen, LogLevel::info, "x\xff\xfe");
    CHECK_NOTHROW(nlohmann::json::parse(bad));
}
