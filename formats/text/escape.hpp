// Quoting arbitrary bytes for humans and for JSON. AMQP strings are bytes, not UTF-8:
// valid UTF-8 passes through, anything else is escaped so output stays one clean line.
#pragma once

#include <string>
#include <string_view>

namespace amqpprox::text {

// Length of the valid UTF-8 sequence starting at s[i] (1-4), or 0 if it is not valid.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// Appends `s` in double quotes with C-style escapes (\" \\ \n \t \xNN).
void append_quoted(std::string& out, std::string_view s);
// Appends `s` as a JSON string literal; invalid UTF-8 bytes become \u00NN.
void append_json_string(std::string& out, std::string_view s);

// Appends printable bytes as-is and others as '.', at most `limit` bytes (a body preview).
void append_preview(std::string& out, std::string_view s, std::size_t limit);

}  // namespace amqpprox::text
