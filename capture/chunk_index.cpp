#include "chunk_index.hpp"

#include <charconv>

namespace amqpprox::capture {

template <typename Map, typename Key>
ChunkIndex::Offsets& ChunkIndex::offsets_of(Map& map, const Key& key, Offsets*& last,
                                            Key& last_key) {
    if (last == nullptr || last_key != key) {
        last = &map[key];
        last_key = key;
    }
    return *last;
}

void ChunkIndex::add(std::uint32_t offset, const FrameRow& r) {
    offsets_of(m_numbers[0], static_cast<std::int64_t>(r.session), m_last_number[0],
               m_last_number_key[0])
        .push_back(offset);
    if (r.method) {
        offsets_of(m_numbers[1], std::int64_t{*r.method}, m_last_number[1], m_last_number_key[1])
            .push_back(offset);
    }
    const std::array names{&r.exchange, &r.routing_key, &r.queue};
    for (std::size_t k = 0; k < names.size(); ++k) {
        if (*names[k]) {
            offsets_of(m_names[k], **names[k], m_last_name[k], m_last_name_key[k])
                .push_back(offset);
        }
    }
}

void ChunkIndex::clear() {
    constexpr std::size_t kKeptNumbers = 4096;  // beyond: many short sessions, start afresh
    for (auto& m : m_numbers) {
        if (m.size() > kKeptNumbers) {
            m.clear();
        } else {
            for (auto& [value, offsets] : m)
                offsets.clear();
        }
    }
    for (auto& m : m_names)
        m.clear();
    m_last_number.fill(nullptr);
    m_last_name.fill(nullptr);
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
