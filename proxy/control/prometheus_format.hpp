// GET /metrics's body: a MetricsSnapshot in the Prometheus text exposition format 0.0.4
// (# HELP and # TYPE lines, then samples; label values escaped). Metric names and their
// meanings are listed in docs/metrics.md.
#pragma once

#include <string>
#include <string_view>

#include "proxy/control/metrics_snapshot.hpp"

namespace amqpprox::control {

std::string format_prometheus(const MetricsSnapshot& snapshot);

// A label value as the format quotes it: backslash, double quote and line feed escaped.
std::string escape_label_value(std::string_view value);
// A # HELP text: backslash and line feed escaped.
std::string escape_help(std::string_view text);

}  // namespace amqpprox::control
