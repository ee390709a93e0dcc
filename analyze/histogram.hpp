// A log-linear histogram of non-negative integers (latencies in ns, sizes in bytes): memory
// grows with the number of distinct buckets used, never with the number of values, and a
// percentile is within 1/128 (0.8%) of the true value. Count, sum, min and max are exact.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

namespace amqpprox::analyze {

class Histogram {
public:
    void add(std::uint64_t value);
    void merge(const Histogram& other);

    std::uint64_t count() const { return m_count; }
    std::uint64_t min() const { return m_count ? m_min : 0; }
    std::uint64_t max() const { return m_max; }
    double mean() const {
        return m_count ? static_cast<double>(m_sum) / static_cast<double>(m_count) : 0.0;
    }
    // The value below which `percent` of the values fall (nearest rank; 0 when empty).
    std::uint64_t percentile(double percent) const;

    // Counts per power of two, for drawing: [0, 1), [1, 2), [2, 4), [4, 8), ... from the
    // range of the smallest value to that of the largest, empty ranges included.
    struct Range {
        std::uint64_t low = 0;   // inclusive
        std::uint64_t high = 0;  // exclusive (UINT64_MAX for the last range)
        std::uint64_t count = 0;
    };
    std::vector<Range> power_of_two_ranges() const;

private:
    std::map<std::uint32_t, std::uint64_t> m_buckets;
    std::uint64_t m_count = 0;
    std::uint64_t m_sum = 0;
    std::uint64_t m_min = UINT64_MAX;
    std::uint64_t m_max = 0;
};

}  // namespace amqpprox::analyze
