#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace amqpprox::analyze {
namespace {

constexpr std::uint64_t kSubBits = 7;  // 128 buckets per power of two
constexpr std::uint64_t kSub = std::uint64_t{1} << kSubBits;

std::uint32_t bucket_of(std::uint64_t v) {
    if (v < kSub) return static_cast<std::uint32_t>(v);
    const auto exponent = static_cast<std::uint64_t>(std::bit_width(v)) - 1;  // >= kSubBits
    const auto shift = exponent - kSubBits;
    const auto mantissa = (v >> shift) & (kSub - 1);
    return static_cast<std::uint32_t>((shift + 1) * kSub + mantissa);
}

// The middle of a bucket's range of values.
std::uint64_t middle_of(std::uint32_t bucket) {
    if (bucket < kSub) return bucket;
    const auto shift = bucket / kSub - 1;
    const auto mantissa = bucket % kSub;
    const auto low = (kSub | mantissa) << shift;
    return low + ((std::uint64_t{1} << shift) >> 1);
}

// The smallest value a bucket holds.
std::uint64_t low_of(std::uint32_t bucket) {
    if (bucket < kSub) return bucket;
    const auto shift = bucket / kSub - 1;
    return (kSub | (bucket % kSub)) << shift;
}

}  // namespace

void Histogram::add(std::uint64_t value) {
    ++m_buckets[bucket_of(value)];
    ++m_count;
    m_sum += value;
    m_min = std::min(m_min, value);
    m_max = std::max(m_max, value);
}

void Histogram::merge(const Histogram& other) {
    for (const auto& [bucket, n] : other.m_buckets)
        m_buckets[bucket] += n;
    m_count += other.m_count;
    m_sum += other.m_sum;
    m_min = std::min(m_min, other.m_min);
    m_max = std::max(m_max, other.m_max);
}

std::uint64_t Histogram::percentile(double percent) const {
    if (m_count == 0) return 0;
    const auto rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(m_count))));
    if (rank >= m_count) return m_max;
    std::uint64_t seen = 0;
    for (const auto& [bucket, n] : m_buckets) {
        seen += n;
        if (seen >= rank) return std::clamp(middle_of(bucket), min(), m_max);
    }
    return m_max;
}

std::vector<Histogram::Range> Histogram::power_of_two_ranges() const {
    std::vector<Range> ranges;
    if (m_count == 0) return ranges;
    // Range i holds the values of bit width i: [0, 1), [1, 2), [2, 4), ...
    const auto first = static_cast<std::size_t>(std::bit_width(m_min));
    const auto last = static_cast<std::size_t>(std::bit_width(m_max));
    for (auto i = first; i <= last; ++i) {
        const std::uint64_t low = i == 0 ? 0 : std::uint64_t{1} << (i - 1);
        const std::uint64_t high = i == 0 ? 1 : i == 64 ? UINT64_MAX : std::uint64_t{1} << i;
        ranges.push_back({low, high, 0});
    }
    for (const auto& [bucket, n] : m_buckets)
        ranges[static_cast<std::size_t>(std::bit_width(low_of(bucket))) - first].count += n;
    return ranges;
}

}  // namespace amqpprox::analyze
