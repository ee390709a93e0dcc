#include "chunk_index.hpp"

#include <charconv>

namespace amqpprox::capture {

void ChunkIndex::add(std::uint32_t offset, const Record& r) {
    m_numbers[0][static_cast<std::int64_t>(r.session)].push_back(offset);
    if (r.method) m_numbers[1][std::int64_t{*r.method}].push_back(offset);
    if (r.exchange) m_names[0][*r.exchange].push_back(offset);
    if (r.routing_key) m_names[1][*r.routing_key].push_back(offset);
    if (r.queue) m_names[2][*r.queue].push_back(offset);
}

void ChunkIndex::clear() {
    for (auto& m : m_numbers)
        m.clear();
    for (auto& m : m_names)
        m.clear();
}

const std::string& ChunkIndex::encode(const std::vector<std::uint32_t>& offsets) {
    m_json.clear();
    m_json.push_back('[');
    char digits[16];
    for (const auto offset : offsets) {
        if (m_json.size() > 1) m_json.push_back(',');
        const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, offset);
        m_json.append(digits, end);
    }
    m_json.push_back(']');
    return m_json;
}

bool decode_offsets(std::string_view json, std::vector<std::uint32_t>& out) {
    out.clear();
    if (json.size() < 2 || json.front() != '[' || json.back() != ']') return false;
    const char* p = json.data() + 1;
    const char* end = json.data() + json.size() - 1;
    while (p < end) {
        std::uint32_t offset = 0;
        const auto [next, ec] = std::from_chars(p, end, offset);
        if (ec != std::errc()) return false;
        out.push_back(offset);
        p = next;
        if (p < end && *p++ != ',') return false;
    }
    return true;
}

}  // namespace amqpprox::capture
