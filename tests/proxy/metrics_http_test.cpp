#include "proxy/metrics_http.hpp"

#include <catch2/catch.hpp>

#include "proxy/process_metrics.hpp"

using namespace amqpprox::proxy;

namespace {

std::string status_line(const std::string& response) {
    return response.substr(0, response.find("\r\n"));
}

std::string body(const std::string& response) {
    return response.substr(response.find("\r\n\r\n") + 4);
}

}  // namespace

TEST_CASE("GET /metrics answers 200 with the exposition content type", "[proxy][metrics]") {
    int renders = 0;
    const MetricsRender render = [&] {
        ++renders;
        return std::string("amqpprox_connections 0\n");
    };
    const auto ok = metrics_http_response("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", render);
    CHECK(status_line(ok) == "HTTP/1.1 200 OK");
    CHECK(ok.find("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n") !=
          std::string::npos);
    CHECK(ok.find("\r\nContent-Length: 23\r\n") != std::string::npos);
    CHECK(ok.find("\r\nConnection: close\r\n") != std::string::npos);
    CHECK(body(ok) == "amqpprox_connections 0\n");
    CHECK(status_line(metrics_http_response("GET /metrics?x=1 HTTP/1.0\r\n\r\n", render)) ==
          "HTTP/1.1 200 OK");
    CHECK(renders == 2);
}

TEST_CASE("other paths, methods and malformed requests", "[proxy][metrics]") {
    int renders = 0;
    const MetricsRender render = [&] {
        ++renders;
        return std::string();
    };
    const auto not_found = metrics_http_response("GET /other HTTP/1.1\r\n\r\n", render);
    CHECK(status_line(not_found) == "HTTP/1.1 404 Not Found");
    CHECK(body(not_found) == "404 Not Found\n");
    CHECK(status_line(metrics_http_response("GET /metrics/x HTTP/1.1\r\n\r\n", render)) ==
          "HTTP/1.1 404 Not Found");
    const auto post = metrics_http_response("POST /metrics HTTP/1.1\r\n\r\n", render);
    CHECK(status_line(post) == "HTTP/1.1 405 Method Not Allowed");
    CHECK(post.find("\r\nAllow: GET\r\n") != std::string::npos);
    for (const auto* bad : {"", "\r\n\r\n", "GET\r\n\r\n", "GET /metrics\r\n\r\n",
                            "GET  /metrics HTTP/1.1\r\n\r\n", "GET /metrics HTTP/1.1 x\r\n\r\n",
                            "GET /metrics SPDY/3\r\n\r\n", " GET /metrics HTTP/1.1\r\n\r\n"}) {
        INFO(bad);
        CHECK(status_line(metrics_http_response(bad, render)) == "HTTP/1.1 400 Bad Request");
    }
    CHECK(renders == 0);
    CHECK(status_line(http_error(431, "Request Header Fields Too Large")) ==
          "HTTP/1.1 431 Request Header Fields Too Large");
}

TEST_CASE("process figures from /proc/self/stat", "[proxy][metrics]") {
    // Fields 1-24 of proc(5); the command name holds a space and a ')'.
    const std::string stat =
        "1234 (amqp prox)) S 1 1234 1234 0 -1 4194560 100 0 0 0 50 25 0 0 20 0 3 0 "
        "500 104857600 2560 18446744073709551615 1 1 0 0 0 0 0\n";
    amqpprox::control::ProcessMetrics m;
    REQUIRE(parse_proc_stat(stat, 4096, 100, m));
    CHECK(m.start_time_seconds == 5.0);
    CHECK(m.virtual_memory_bytes == 104857600);
    CHECK(m.resident_memory_bytes == 2560u * 4096u);
    CHECK_FALSE(parse_proc_stat("garbage", 4096, 100, m));
    CHECK_FALSE(parse_proc_stat("1 (x) S 1 2", 4096, 100, m));

    const auto live = read_process_metrics();
    CHECK(live.resident_memory_bytes > 0);
    CHECK(live.open_fds >= 3);
    CHECK(live.start_time_seconds > 1.6e9);
}
