// The HTTP side of GET /metrics, without sockets: a request head in, the whole response out.
// Only GET /metrics (any query string) answers 200; other paths 404, other methods 405, a
// malformed request line 400. Every response closes the connection.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace amqpprox::proxy {

// The exposition body, made only when the request asks for it.
using MetricsRender = std::function<std::string()>;

// `head`: the request line and headers, up to the blank line.
std::string metrics_http_response(std::string_view head, const MetricsRender& render);

// A response with this status and a one-line text body (also for 408 and 431).
std::string http_error(int status, std::string_view reason, std::string_view extra_headers = {});

}  // namespace amqpprox::proxy
