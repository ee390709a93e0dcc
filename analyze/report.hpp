// `amqp-analyze report`: one self-contained HTML page (inline CSS and SVG, a few lines of
// inline script, nothing fetched) with the session list, message rates and latencies over
// time, size and latency histograms, and a sequence diagram of one session.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "inputs.hpp"

namespace amqpprox::analyze {

struct ReportOptions {
    std::vector<std::string> inputs;              // as given, for the page's heading
    std::optional<std::string> sequence_session;  // "17" or "2:17"; default: the busiest
    std::size_t sequence_limit = 200;             // arrows drawn at most
    std::size_t timeline_buckets = 120;           // points per chart over time, at most
};

// Writes the page to `out`. Exit status: 0 written, 1 no session matched (nothing written),
// 2 a bad --sequence-session (nothing written) or frames that could not be decoded (the
// page is written and the count reported on `err`).
int write_report(const InputSet& inputs, const Selection& selection, const ReportOptions& options,
                 std::ostream& out, std::ostream& err);

}  // namespace amqpprox::analyze
