#include "printer.hpp"

#include <array>
#include <charconv>
#include <ctime>

#include "../text/escape.hpp"
#include "credentials.hpp"

namespace amqpprox::amqp {
namespace {

// Arguments 0-9-1 keeps only for wire compatibility; hidden while they hold their default.
constexpr std::array<std::string_view, 7> kReserved{
    "ticket", "out_of_band", "channel_id", "capabilities", "insist", "known_hosts", "cluster_id"};

bool is_reserved(std::string_view field) {
    for (const auto r : kReserved) {
        if (r == field) return true;
    }
    return false;
}

template <typename T>
bool is_default(const T& v) {
    return v == T{};
}

template <typename Number>
void append_number(std::string& out, Number n) {
    char buf[32];
    const auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
    out.append(buf, end);
}

std::string decimal_text(const Decimal& d) {
    const bool negative = d.value < 0;
    const auto magnitude = negative ? -static_cast<std::int64_t>(d.value) : d.value;
    std::string digits = std::to_string(magnitude);
    if (d.scale > 0) {
        if (digits.size() <= d.scale) digits.insert(0, d.scale - digits.size() + 1, '0');
        digits.insert(digits.size() - d.scale, 1, '.');
    }
    return negative ? "-" + digits : digits;
}

std::string timestamp_text(std::uint64_t seconds) {
    const auto t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    if (gmtime_r(&t, &tm) == nullptr) return std::to_string(seconds);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string hex(ByteView bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const auto b : bytes) {
        const auto v = std::to_integer<unsigned>(b);
        out += kHex[v >> 4];
        out += kHex[v & 0xF];
    }
    return out;
}

void append_value(std::string& out, const FieldValue& value);

void append_table(std::string& out, const FieldTable& table) {
    out += '{';
    bool first = true;
    for (const auto& entry : table.entries) {
        if (!first) out += ", ";
        first = false;
        out += entry.name;
        out += '=';
        append_value(out, entry.value);
    }
    out += '}';
}

void append_value(std::string& out, const FieldValue& value) {
    std::visit(
        [&out](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, bool>) {
                out += v ? "true" : "false";
            } else if constexpr (std::is_arithmetic_v<T>) {
                append_number(out, v);
            } else if constexpr (std::is_same_v<T, Decimal>) {
                out += decimal_text(v);
            } else if constexpr (std::is_same_v<T, std::string>) {
                text::append_quoted(out, v);
            } else if constexpr (std::is_same_v<T, FieldArray>) {
                out += '[';
                for (std::size_t i = 0; i < v.size(); ++i) {
                    if (i > 0) out += ", ";
                    append_value(out, v[i]);
                }
                out += ']';
            } else if constexpr (std::is_same_v<T, Timestamp>) {
                out += timestamp_text(v.seconds);
            } else if constexpr (std::is_same_v<T, FieldTable>) {
                append_table(out, v);
            } else if constexpr (std::is_same_v<T, Void>) {
                out += "void";
            } else if constexpr (std::is_same_v<T, ByteArray>) {
                out += "x\"" + hex(v.bytes) + '"';
            }
        },
        value.value);
}

// A secret argument as it may be shown: "<PLAIN user=\"guest\", secret hidden>".
std::string hidden_secret(std::string_view mechanism, std::string_view secret) {
    std::string out = "<";
    if (const auto user = sasl_username(mechanism, secret)) {
        out += std::string(mechanism) + " user=";
        text::append_quoted(out, *user);
        out += ", password hidden>";
    } else {
        out += std::to_string(secret.size()) + " bytes hidden>";
    }
    return out;
}

// The mechanism that explains a secret argument, or nullopt when the argument is no secret.
std::optional<std::string_view> secret_mechanism(const Method& method, std::string_view field) {
    if (const auto* m = std::get_if<ConnectionStartOk>(&method); m && field == "response") {
        return m->mechanism;
    }
    if (std::holds_alternative<ConnectionSecureOk>(method) && field == "response") {
        return std::string_view{};
    }
    if (std::holds_alternative<ConnectionUpdateSecret>(method) && field == "new_secret") {
        return std::string_view{};
    }
    return std::nullopt;
}

// What to show instead of a string argument that holds a secret, or nullopt to show it.
std::optional<std::string> hidden_form(const Method& method, std::string_view field,
                                       std::string_view value, const PrintOptions& options) {
    if (options.show_secrets) return std::nullopt;
    const auto mechanism = secret_mechanism(method, field);
    if (!mechanism) return std::nullopt;
    return hidden_secret(*mechanism, value);
}

struct TextVisitor {
    std::string& out;
    const Method& method;
    const PrintOptions& options;

    template <FieldKind K, typename T>
    void operator()(KindTag<K>, std::string_view name, const T& v) const {
        if (!options.show_reserved && is_reserved(name) && is_default(v)) return;
        out += ' ';
        out += name;
        out += '=';
        if constexpr (std::is_same_v<T, std::string>) {
            if (const auto hidden = hidden_form(method, name, v, options)) {
                out += *hidden;
            } else {
                text::append_quoted(out, v);
            }
        } else if constexpr (std::is_same_v<T, bool>) {
            out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, FieldTable>) {
            append_table(out, v);
        } else {
            append_number(out, v);
        }
    }
};

struct JsonVisitor {
    text::JsonWriter& json;
    const Method& method;
    const PrintOptions& options;

    template <FieldKind K, typename T>
    void operator()(KindTag<K>, std::string_view name, const T& v) const {
        json.key(name);
        if constexpr (std::is_same_v<T, std::string>) {
            const auto hidden = hidden_form(method, name, v, options);
            json.value(hidden ? std::string_view(*hidden) : std::string_view(v));
        } else if constexpr (std::is_same_v<T, FieldTable>) {
            to_json(json, v);
        } else {
            json.value(v);
        }
    }
};

template <typename F>
void for_each_set_property(const BasicProperties& p, F&& f) {
#define AMQPPROX_PROPERTY(KIND, NAME) \
    if (p.NAME) f(#NAME, *p.NAME);
    AMQP_BASIC_PROPERTIES(AMQPPROX_PROPERTY)
#undef AMQPPROX_PROPERTY
}

}  // namespace

std::string to_text(const Method& method, const PrintOptions& options) {
    std::string out = info(method).display_name;
    std::visit([&](const auto& m) { visit_fields(m, TextVisitor{out, method, options}); }, method);
    return out;
}

std::string to_text(const BasicProperties& properties) {
    std::string out;
    for_each_set_property(properties, [&out](std::string_view name, const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if (!out.empty()) out += ' ';
        out += name;
        out += '=';
        if constexpr (std::is_same_v<T, std::string>) {
            text::append_quoted(out, v);
        } else if constexpr (std::is_same_v<T, FieldTable>) {
            append_table(out, v);
        } else if constexpr (std::is_same_v<T, std::uint64_t>) {
            out += timestamp_text(v);
        } else {
            append_number(out, v);
        }
    });
    return out;
}

std::string to_text(const ContentHeader& header) {
    std::string out = "Content-Header";
    if (header.class_id != kBasicClassId) out += " class_id=" + std::to_string(header.class_id);
    out += " body_size=" + std::to_string(header.body_size);
    if (auto properties = to_text(header.properties); !properties.empty()) {
        out += ' ';
        out += properties;
    }
    return out;
}

std::string to_text(const FieldTable& table) {
    std::string out;
    append_table(out, table);
    return out;
}

std::string to_text(const FieldValue& value) {
    std::string out;
    append_value(out, value);
    return out;
}

void to_json(text::JsonWriter& json, const Method& method, const PrintOptions& options) {
    const auto& meta = info(method);
    json.begin_object();
    json.key("method").value(meta.name);
    json.key("class_id").value(meta.id.class_id);
    json.key("method_id").value(meta.id.method_id);
    json.key("arguments").begin_object();
    std::visit([&](const auto& m) { visit_fields(m, JsonVisitor{json, method, options}); }, method);
    json.end_object();
    json.end_object();
}

void to_json(text::JsonWriter& json, const BasicProperties& properties) {
    json.begin_object();
    for_each_set_property(properties, [&json](std::string_view name, const auto& v) {
        using T = std::decay_t<decltype(v)>;
        json.key(name);
        if constexpr (std::is_same_v<T, FieldTable>) {
            to_json(json, v);
        } else {
            json.value(v);
        }
    });
    json.end_object();
}

void to_json(text::JsonWriter& json, const ContentHeader& header) {
    json.begin_object();
    json.key("class_id").value(header.class_id);
    json.key("body_size").value(header.body_size);
    json.key("properties");
    to_json(json, header.properties);
    json.end_object();
}

void to_json(text::JsonWriter& json, const FieldTable& table) {
    json.begin_object();
    for (const auto& entry : table.entries) {
        json.key(entry.name);
        to_json(json, entry.value);
    }
    json.end_object();
}

void to_json(text::JsonWriter& json, const FieldValue& value) {
    std::visit(
        [&json](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, bool> || std::is_integral_v<T>) {
                json.value(v);
            } else if constexpr (std::is_floating_point_v<T>) {
                json.value(static_cast<double>(v));
            } else if constexpr (std::is_same_v<T, Decimal>) {
                json.raw(decimal_text(v));
            } else if constexpr (std::is_same_v<T, std::string>) {
                json.value(v);
            } else if constexpr (std::is_same_v<T, FieldArray>) {
                json.begin_array();
                for (const auto& item : v)
                    to_json(json, item);
                json.end_array();
            } else if constexpr (std::is_same_v<T, Timestamp>) {
                json.value(v.seconds);
            } else if constexpr (std::is_same_v<T, FieldTable>) {
                to_json(json, v);
            } else if constexpr (std::is_same_v<T, Void>) {
                json.null();
            } else if constexpr (std::is_same_v<T, ByteArray>) {
                json.value(hex(v.bytes));
            }
        },
        value.value);
}

std::string to_json(const Method& method, const PrintOptions& options) {
    std::string out;
    text::JsonWriter json(out);
    to_json(json, method, options);
    return out;
}

}  // namespace amqpprox::amqp
