// A big-endian writer appending to a byte buffer, with AMQP bit packing. Encoding a value
// that cannot be represented (a shortstr over 255 bytes) records a sticky error.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "bytes.hpp"
#include "error.hpp"

namespace amqpprox::amqp {

class Writer {
public:
    explicit Writer(Bytes& out) : m_out(out), m_start(out.size()) {}

    void u8(std::uint8_t v) {
        end_bits();
        m_out.push_back(std::byte{v});
    }
    void u16(std::uint16_t v) {
        end_bits();
        put(static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v));
    }
    void u32(std::uint32_t v) {
        end_bits();
        put(static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
            static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v));
    }
    void u64(std::uint64_t v) {
        u32(static_cast<std::uint32_t>(v >> 32));
        u32(static_cast<std::uint32_t>(v));
    }
    void bit(bool v) {
        if (m_bit_index >= 8) {
            m_out.push_back(std::byte{0});
            m_bit_index = 0;
        }
        if (v) m_out.back() |= std::byte{static_cast<std::uint8_t>(1u << m_bit_index)};
        ++m_bit_index;
    }
    void bytes(ByteView data) {
        end_bits();
        m_out.insert(m_out.end(), data.begin(), data.end());
    }
    void short_str(std::string_view s) {
        if (s.size() > 255) {
            fail(Errc::string_too_long, static_cast<std::uint32_t>(s.size()));
            return;
        }
        u8(static_cast<std::uint8_t>(s.size()));
        bytes(as_bytes(s));
    }
    void long_str(std::string_view s) {
        u32(static_cast<std::uint32_t>(s.size()));
        bytes(as_bytes(s));
    }

    // Reserves a 32-bit length to be filled in by end_length() once the content is written.
    std::size_t begin_length() {
        u32(0);
        return m_out.size();
    }
    void end_length(std::size_t content_start) {
        end_bits();
        const auto n = static_cast<std::uint32_t>(m_out.size() - content_start);
        auto* p = m_out.data() + content_start - 4;
        p[0] = std::byte{static_cast<std::uint8_t>(n >> 24)};
        p[1] = std::byte{static_cast<std::uint8_t>(n >> 16)};
        p[2] = std::byte{static_cast<std::uint8_t>(n >> 8)};
        p[3] = std::byte{static_cast<std::uint8_t>(n)};
    }

    void fail(Errc code, std::uint32_t detail = 0) {
        if (!m_error) m_error = Error{code, m_out.size() - m_start, detail};
    }
    bool ok() const { return !m_error; }
    const Error& error() const { return *m_error; }
    Result<void> result() const {
        if (m_error) return tl::unexpected(*m_error);
        return {};
    }

private:
    template <typename... Octets>
    void put(Octets... octets) {
        (m_out.push_back(std::byte{octets}), ...);
    }
    void end_bits() { m_bit_index = 8; }

    Bytes& m_out;
    std::size_t m_start;
    std::uint8_t m_bit_index = 8;
    std::optional<Error> m_error;
};

}  // namespace amqpprox::amqp
