// Helpers shared by the codec tests: hex literals and byte comparison.
#pragma once

#include <string>
#include <string_view>

#include "formats/amqp/bytes.hpp"

namespace amqpprox::amqp::test {

// "01 00 0a" -> bytes; spaces ignored.
inline Bytes hex(std::string_view text) {
    Bytes out;
    int high = -1;
    for (const char c : text) {
        int v;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        else
            continue;
        if (high < 0) {
            high = v;
        } else {
            out.push_back(std::byte{static_cast<unsigned char>(high << 4 | v)});
            high = -1;
        }
    }
    return out;
}

inline std::string to_hex(ByteView bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (const auto b : bytes) {
        if (!out.empty()) out += ' ';
        out += kHex[std::to_integer<unsigned>(b) >> 4];
        out += kHex[std::to_integer<unsigned>(b) & 0xF];
    }
    return out;
}

}  // namespace amqpprox::amqp::test
