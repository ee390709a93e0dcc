#include "escape.hpp"

namespace amqpprox::text {
namespace {

constexpr char kHex[] = "0123456789abcdef";

unsigned char byte_at(std::string_view s, std::size_t i) {
    return static_cast<unsigned char>(s[i]);
}

bool continuation(std::string_view s, std::size_t i) {
    return i < s.size() && (byte_at(s, i) & 0xC0) == 0x80;
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    const unsigned c = byte_at(s, i);
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return continuation(s, i + 1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (!continuation(s, i + 1) || !continuation(s, i + 2)) return 0;
        const unsigned c1 = byte_at(s, i + 1);
        if (c == 0xE0 && c1 < 0xA0) return 0;   // overlong
        if (c == 0xED && c1 >= 0xA0) return 0;  // surrogates
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (!continuation(s, i + 1) || !continuation(s, i + 2) || !continuation(s, i + 3)) {
            return 0;
        }
        const unsigned c1 = byte_at(s, i + 1);
        if (c == 0xF0 && c1 < 0x90) return 0;   // overlong
        if (c == 0xF4 && c1 >= 0x90) return 0;  // above U+10FFFF
        return 4;
    }
    return 0;
}

namespace {

// Appends `s` between double quotes: quotes, backslashes and \n \t \r escaped, printable
// ASCII and valid UTF-8 as they are, any other byte through `escape_byte`.
template <typename EscapeByte>
void append_escaped(std::string& out, std::string_view s, EscapeByte escape_byte) {
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char c = byte_at(s, i);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c >= 0x20 && c < 0x7F) {
            out += static_cast<char>(c);
        } else if (const auto n = c >= 0x80 ? utf8_sequence_length(s, i) : 0; n > 1) {
            out.append(s.substr(i, n));
            i += n;
            continue;
        } else {
            escape_byte(out, c);
        }
        ++i;
    }
    out += '"';
}

void append_hex_byte(std::string& out, unsigned char c) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
}

}  // namespace

void append_quoted(std::string& out, std::string_view s) {
    append_escaped(out, s, [](std::string& o, unsigned char c) {
        o += "\\x";
        append_hex_byte(o, c);
    });
}

void append_json_string(std::string& out, std::string_view s) {
    append_escaped(out, s, [](std::string& o, unsigned char c) {
        o += "\\u00";
        append_hex_byte(o, c);
    });
}

void append_preview(std::string& out, std::string_view s, std::size_t limit) {
    const auto n = s.size() < limit ? s.size() : limit;
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned char c = byte_at(s, i);
        out += c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '.';
    }
}

}  // namespace amqpprox::text
