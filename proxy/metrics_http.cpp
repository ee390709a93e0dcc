#include "metrics_http.hpp"

namespace amqpprox::proxy {
namespace {

std::string response(int status, std::string_view reason, std::string_view content_type,
                     std::string_view extra_headers, const std::string& body) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
    out += "Content-Type: " + std::string(content_type) + "\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    out += extra_headers;
    out += "Connection: close\r\n\r\n";
    out += body;
    return out;
}

}  // namespace

std::string http_error(int status, std::string_view reason, std::string_view extra_headers) {
    return response(status, reason, "text/plain; charset=utf-8", extra_headers,
                    std::to_string(status) + " " + std::string(reason) + "\n");
}

std::string metrics_http_response(std::string_view head, const MetricsRender& render) {
    const auto end = head.find('\n');
    auto line = head.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // "METHOD SP target SP HTTP/1.x", exactly.
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp1 == 0 || sp2 == std::string_view::npos || sp2 == sp1 + 1 ||
        line.find(' ', sp2 + 1) != std::string_view::npos) {
        return http_error(400, "Bad Request");
    }
    const auto method = line.substr(0, sp1);
    auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto version = line.substr(sp2 + 1);
    if (!version.starts_with("HTTP/1.")) return http_error(400, "Bad Request");
    if (method != "GET") return http_error(405, "Method Not Allowed", "Allow: GET\r\n");
    target = target.substr(0, target.find('?'));
    if (target != "/metrics") return http_error(404, "Not Found");
    return response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", {}, render());
}

}  // namespace amqpprox::proxy
