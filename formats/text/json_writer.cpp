#include "json_writer.hpp"

#include <charconv>
#include <cmath>

#include "escape.hpp"

namespace amqpprox::text {

void JsonWriter::separate() {
    if (m_after_key) {
        m_after_key = false;
        return;
    }
    if (!m_first.empty()) {
        if (!m_first.back()) m_out += ',';
        m_first.back() = false;
    }
}

JsonWriter& JsonWriter::begin_object() {
    separate();
    m_out += '{';
    m_first.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    m_out += '}';
    m_first.pop_back();
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    separate();
    m_out += '[';
    m_first.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    m_out += ']';
    m_first.pop_back();
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
    separate();
    append_json_string(m_out, name);
    m_out += ':';
    m_after_key = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
    separate();
    append_json_string(m_out, s);
    return *this;
}

JsonWriter& JsonWriter::value(bool b) {
    return raw(b ? "true" : "false");
}

JsonWriter& JsonWriter::value(std::int64_t n) {
    char buf[24];
    const auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
    return raw({buf, static_cast<std::size_t>(end - buf)});
}

JsonWriter& JsonWriter::value(std::uint64_t n) {
    char buf[24];
    const auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
    return raw({buf, static_cast<std::size_t>(end - buf)});
}

JsonWriter& JsonWriter::value(double d) {
    if (!std::isfinite(d)) return null();
    char buf[32];
    const auto end = std::to_chars(buf, buf + sizeof buf, d).ptr;
    return raw({buf, static_cast<std::size_t>(end - buf)});
}

JsonWriter& JsonWriter::null() {
    return raw("null");
}

JsonWriter& JsonWriter::raw(std::string_view literal) {
    separate();
    m_out += literal;
    return *this;
}

}  // namespace amqpprox::text
