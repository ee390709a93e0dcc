// The process_* figures of GET /metrics, read from /proc and getrusage at each scrape.
#pragma once

#include <string_view>

#include "proxy/control/metrics_snapshot.hpp"

namespace amqpprox::proxy {

control::ProcessMetrics read_process_metrics();

// From /proc/self/stat's text: fills virtual and resident memory and the start time in seconds
// since boot (start_time_seconds; the caller adds the boot time). False when it cannot parse.
bool parse_proc_stat(std::string_view stat, long page_size, long ticks_per_second,
                     control::ProcessMetrics& out);

}  // namespace amqpprox::proxy
