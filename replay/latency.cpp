#include "latency.hpp"

#include <algorithm>
#include <cmath>

namespace amqpprox::replay {

Percentiles percentiles(std::vector<std::int64_t> values) {
    if (values.empty()) return {};
    std::sort(values.begin(), values.end());
    const auto rank = [&](double p) {
        const auto n = static_cast<double>(values.size());
        const auto index = static_cast<std::size_t>(std::max(1.0, std::ceil(p * n))) - 1;
        return values[std::min(index, values.size() - 1)];
    };
    return {rank(0.50), rank(0.99), values.back()};
}

std::map<std::string, LatencySummary> summarize(const std::vector<LatencySample>& samples) {
    std::map<std::string, std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>>> by;
    for (const auto& s : samples) {
        by[s.method].first.push_back(s.recorded_ns);
        by[s.method].second.push_back(s.replayed_ns);
    }
    std::map<std::string, LatencySummary> out;
    for (auto& [method, values] : by) {
        out[method] = {values.first.size(), percentiles(std::move(values.first)),
                       percentiles(std::move(values.second))};
    }
    return out;
}

}  // namespace amqpprox::replay
