// A bounds-checked big-endian reader over a byte view. Errors are sticky: the first failed
// read records an Error (with the absolute offset) and every later read returns zero values,
// so decoders check once at the end instead of after every field.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "bytes.hpp"
#include "error.hpp"

namespace amqpprox::amqp {

class Reader {
public:
    // base_offset is the position of data[0] in the whole input, for error offsets.
    explicit Reader(ByteView data, std::size_t base_offset = 0)
        : m_data(data), m_base(base_offset) {}

    std::uint8_t u8() {
        end_bits();
        if (!need(1)) return 0;
        return std::to_integer<std::uint8_t>(m_data[m_pos++]);
    }
    std::uint16_t u16() {
        end_bits();
        if (!need(2)) return 0;
        const auto v = static_cast<std::uint16_t>(byte_at(0) << 8 | byte_at(1));
        m_pos += 2;
        return v;
    }
    std::uint32_t u32() {
        end_bits();
        if (!need(4)) return 0;
        const std::uint32_t v = std::uint32_t{byte_at(0)} << 24 | std::uint32_t{byte_at(1)} << 16 |
                                std::uint32_t{byte_at(2)} << 8 | std::uint32_t{byte_at(3)};
        m_pos += 4;
        return v;
    }
    std::uint64_t u64() {
        const std::uint64_t high = u32();
        return high << 32 | u32();
    }
    // Consecutive bit arguments share one octet, least significant bit first.
    bool bit() {
        if (m_bit_index >= 8) {
            if (!need(1)) return false;
            m_bits = std::to_integer<std::uint8_t>(m_data[m_pos++]);
            m_bit_index = 0;
        }
        return (unsigned{m_bits} >> m_bit_index++) & 1u;
    }
    // The next n bytes, or an empty view (and a truncation error) when fewer remain.
    ByteView take(std::size_t n) {
        end_bits();
        if (!need(n)) return {};
        const auto view = m_data.subspan(m_pos, n);
        m_pos += n;
        return view;
    }
    std::string_view short_str() { return as_chars(take(u8())); }
    std::string_view long_str() { return as_chars(take(u32())); }

    bool ok() const { return !m_error; }
    const Error& error() const { return *m_error; }
    std::size_t position() const { return m_base + m_pos; }  // absolute offset
    std::size_t remaining() const { return m_data.size() - m_pos; }
    bool at_end() const { return m_pos == m_data.size(); }

    // Records an error at the current position unless one is recorded already.
    void fail(Errc code, std::uint32_t detail = 0) { fail(Error{code, position(), detail}); }
    // The input must end here (after a decoder's last field): trailing bytes are an error.
    void expect_end() {
        if (ok() && !at_end()) fail(Errc::trailing_bytes, static_cast<std::uint32_t>(remaining()));
    }
    void fail(const Error& error) {
        if (!m_error) m_error = error;
        m_pos = m_data.size();
    }

private:
    bool need(std::size_t n) {
        if (m_error) return false;
        if (n > m_data.size() - m_pos) {
            fail(Errc::truncated, static_cast<std::uint32_t>(n));
            return false;
        }
        return true;
    }
    unsigned byte_at(std::size_t i) const { return std::to_integer<unsigned>(m_data[m_pos + i]); }
    void end_bits() { m_bit_index = 8; }

    ByteView m_data;
    std::size_t m_pos = 0;
    std::size_t m_base;
    std::uint8_t m_bits = 0;
    std::uint8_t m_bit_index = 8;  // 8 = no packed octet in progress
    std::optional<Error> m_error;
};

}  // namespace amqpprox::amqp
