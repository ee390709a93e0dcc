// The frame_keys rows of one chunk being written: for each key kind and value, the offsets
// (from the chunk's first frame) of the frames that have it. Used by the writer thread only.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "frame_row.hpp"
#include "schema.hpp"

namespace amqpprox::capture {

using KeyValue = std::variant<std::int64_t, std::string_view>;

class ChunkIndex {
public:
    // Notes the keys of `row`, the chunk's frame number `offset`. String keys are the row's
    // views: what they view must outlive the next clear().
    void add(std::uint32_t offset, const FrameRow& row);
    // Calls visit(kind, value, frames) per key; `frames` is a JSON array of offsets.
    template <typename Visit>
    void for_each(Visit&& visit) {
        for (std::size_t k = 0; k < m_numbers.size(); ++k) {
            for (const auto& [value, offsets] : m_numbers[k]) {
                if (!offsets.empty()) visit(kNumberKinds[k], KeyValue(value), encode(offsets));
            }
        }
        for (std::size_t k = 0; k < m_names.size(); ++k) {
            for (const auto& [value, offsets] : m_names[k])
                visit(kNameKinds[k], KeyValue(value), encode(offsets));
        }
    }
    // Forgets the keys. Sessions and methods keep their entries (emptied) for the next chunk,
    // which mostly has the same ones: no allocation per key and chunk.
    void clear();

private:
    static constexpr std::array kNumberKinds{KeyKind::session, KeyKind::method};
    static constexpr std::array kNameKinds{KeyKind::exchange, KeyKind::routing_key, KeyKind::queue};
    const std::string& encode(const std::vector<std::uint32_t>& offsets);
    using Offsets = std::vector<std::uint32_t>;
    // Consecutive frames mostly share their session and method: remember the last ones
    // instead of hashing again (map nodes do not move).
    template <typename Map, typename Key>
    static Offsets& offsets_of(Map& map, const Key& key, Offsets*& last, Key& last_key);

    std::array<std::unordered_map<std::int64_t, std::vector<std::uint32_t>>, 2> m_numbers;
    std::array<std::unordered_map<std::string_view, std::vector<std::uint32_t>>, 3> m_names;
    std::string m_json;  // reused: the last encode()'s result
    std::array<Offsets*, 2> m_last_number{};
    std::array<std::int64_t, 2> m_last_number_key{};
    std::array<Offsets*, 3> m_last_name{};
    std::array<std::string_view, 3> m_last_name_key{};
};

// Parses a frame_keys.frames array into offsets; false when it is not such an array.
bool decode_offsets(std::string_view json, std::vector<std::uint32_t>& out);

}  // namespace amqpprox::capture
