// Fixed-width loads from a byte view at an index the caller has already bounds-checked
// (every decoder checks the header size once, then loads its fields).
#pragma once

#include <cstddef>
#include <cstdint>

#include "formats/amqp/bytes.hpp"

namespace amqpprox::pcap::detail {

inline std::uint8_t u8_at(amqp::ByteView data, std::size_t i) {
    return std::to_integer<std::uint8_t>(data[i]);
}

inline std::uint16_t be16_at(amqp::ByteView data, std::size_t i) {
    return static_cast<std::uint16_t>(u8_at(data, i) << 8 | u8_at(data, i + 1));
}

inline std::uint32_t be32_at(amqp::ByteView data, std::size_t i) {
    return std::uint32_t{be16_at(data, i)} << 16 | be16_at(data, i + 2);
}

inline std::uint32_t le32_at(amqp::ByteView data, std::size_t i) {
    return std::uint32_t{u8_at(data, i + 3)} << 24 | std::uint32_t{u8_at(data, i + 2)} << 16 |
           std::uint32_t{u8_at(data, i + 1)} << 8 | u8_at(data, i);
}

}  // namespace amqpprox::pcap::detail
