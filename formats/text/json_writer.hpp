// A streaming JSON writer into a std::string: commas and escaping handled, no DOM.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace amqpprox::text {

class JsonWriter {
public:
    explicit JsonWriter(std::string& out) : m_out(out) {}

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view name);

    JsonWriter& value(std::string_view s);
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(bool b);
    JsonWriter& value(std::int64_t n);
    JsonWriter& value(std::uint64_t n);
    JsonWriter& value(double d);  // NaN and infinities become null
    JsonWriter& null();
    // Writes `literal` as it is (a number already formatted, for example).
    JsonWriter& raw(std::string_view literal);

    template <typename Int>
    requires std::is_integral_v<Int> &&(!std::is_same_v<Int, bool>)JsonWriter& value(Int n) {
        if constexpr (std::is_signed_v<Int>)
            return value(static_cast<std::int64_t>(n));
        else
            return value(static_cast<std::uint64_t>(n));
    }

private:
    void separate();

    std::string& m_out;
    std::vector<bool> m_first;  // per open container: nothing written in it yet
    bool m_after_key = false;
};

}  // namespace amqpprox::text
