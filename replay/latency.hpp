// Latencies of synchronous requests, recorded against replayed: how long the broker took to
// reply then and now, per method, with percentiles.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace amqpprox::replay {

struct LatencySample {
    std::string method;  // the request: "Queue.Declare"
    std::int64_t recorded_ns = 0;
    std::int64_t replayed_ns = 0;

    bool operator==(const LatencySample&) const = default;
};

struct Percentiles {
    std::int64_t p50 = 0;
    std::int64_t p99 = 0;
    std::int64_t max = 0;

    bool operator==(const Percentiles&) const = default;
};

struct LatencySummary {
    std::size_t count = 0;
    Percentiles recorded;
    Percentiles replayed;

    bool operator==(const LatencySummary&) const = default;
};

// Nearest-rank percentiles of `values` (sorted or not); zeros when empty.
Percentiles percentiles(std::vector<std::int64_t> values);
// Per request method.
std::map<std::string, LatencySummary> summarize(const std::vector<LatencySample>& samples);

}  // namespace amqpprox::replay
