#include "field_table.hpp"

#include <bit>

#include "constants.hpp"
#include "reader.hpp"
#include "writer.hpp"

namespace amqpprox::amqp {
namespace {

constexpr std::string_view kTypeLetters = "tbBsuIilfdDSATFVx";
static_assert(kTypeLetters.size() == std::variant_size_v<FieldValue::Variant>);

// Reading with `out` null checks a value and passes over it, building nothing: one walk for
// decoding and for checking, so both stop at the same byte with the same error.
void read_value(Reader& r, FieldValue* out, int depth);
void read_table(Reader& r, FieldTable* table, int depth);
void write_value(Writer& w, const FieldValue& value);

template <typename T>
void store(FieldValue* out, T value) {
    if (out != nullptr) out->value = std::move(value);
}

// A table's or an array's items: a 32-bit size, then `read_item` on a reader of exactly that
// many bytes until they are used up; its error becomes `r`'s.
template <typename ReadItem>
void read_items(Reader& r, ReadItem read_item) {
    const auto size = r.u32();
    const auto body = r.take(size);
    Reader items(body, r.position() - body.size());
    while (r.ok() && items.ok() && !items.at_end())
        read_item(items);
    if (!items.ok()) r.fail(items.error());
}

void read_array(Reader& r, FieldArray* array, int depth) {
    read_items(r, [&](Reader& items) {
        read_value(items, array != nullptr ? &array->emplace_back() : nullptr, depth);
    });
}

void read_value(Reader& r, FieldValue* out, int depth) {
    const auto letter = r.u8();
    if (!r.ok()) return;
    switch (letter) {
        case 't':
            store(out, r.u8() != 0);
            break;
        case 'b':
            store(out, static_cast<std::int8_t>(r.u8()));
            break;
        case 'B':
            store(out, r.u8());
            break;
        case 's':
            store(out, static_cast<std::int16_t>(r.u16()));
            break;
        case 'u':
            store(out, r.u16());
            break;
        case 'I':
            store(out, static_cast<std::int32_t>(r.u32()));
            break;
        case 'i':
            store(out, r.u32());
            break;
        case 'l':
            store(out, static_cast<std::int64_t>(r.u64()));
            break;
        case 'f':
            store(out, std::bit_cast<float>(r.u32()));
            break;
        case 'd':
            store(out, std::bit_cast<double>(r.u64()));
            break;
        case 'D': {
            const auto scale = r.u8();
            store(out, Decimal{scale, static_cast<std::int32_t>(r.u32())});
            break;
        }
        case 'S':
            if (const auto text = r.long_str(); out != nullptr) out->value = std::string(text);
            break;
        case 'T':
            store(out, Timestamp{r.u64()});
            break;
        case 'V':
            store(out, Void{});
            break;
        case 'x':
            if (const auto bytes = r.take(r.u32()); out != nullptr) {
                out->value = ByteArray{Bytes(bytes.begin(), bytes.end())};
            }
            break;
        case 'A':
        case 'F':
            if (depth + 1 > kMaxFieldNesting) {
                r.fail(Errc::nesting_too_deep, static_cast<std::uint32_t>(depth + 1));
                return;
            }
            if (letter == 'A') {
                read_array(r, out ? &out->value.emplace<FieldArray>() : nullptr, depth + 1);
            } else {
                read_table(r, out ? &out->value.emplace<FieldTable>() : nullptr, depth + 1);
            }
            break;
        default: {
            // Report the offset of the type octet itself.
            Error error{Errc::unknown_field_type, r.position() - 1, letter};
            r.fail(error);
        }
    }
}

void read_table(Reader& r, FieldTable* table, int depth) {
    read_items(r, [&](Reader& entries) {
        const auto name = entries.short_str();
        FieldValue* value = nullptr;
        if (table != nullptr) {
            auto& entry = table->entries.emplace_back();
            entry.name = name;
            value = &entry.value;
        }
        read_value(entries, value, depth);
    });
}

template <typename T>
void write_scalar(Writer& w, const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
        w.u8(v ? 1 : 0);
    } else if constexpr (std::is_same_v<T, std::int8_t> || std::is_same_v<T, std::uint8_t>) {
        w.u8(static_cast<std::uint8_t>(v));
    } else if constexpr (std::is_same_v<T, std::int16_t> || std::is_same_v<T, std::uint16_t>) {
        w.u16(static_cast<std::uint16_t>(v));
    } else if constexpr (std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::uint32_t>) {
        w.u32(static_cast<std::uint32_t>(v));
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
        w.u64(static_cast<std::uint64_t>(v));
    } else if constexpr (std::is_same_v<T, float>) {
        w.u32(std::bit_cast<std::uint32_t>(v));
    } else if constexpr (std::is_same_v<T, double>) {
        w.u64(std::bit_cast<std::uint64_t>(v));
    } else if constexpr (std::is_same_v<T, Decimal>) {
        w.u8(v.scale);
        w.u32(static_cast<std::uint32_t>(v.value));
    } else if constexpr (std::is_same_v<T, std::string>) {
        w.long_str(v);
    } else if constexpr (std::is_same_v<T, Timestamp>) {
        w.u64(v.seconds);
    } else if constexpr (std::is_same_v<T, Void>) {
    } else if constexpr (std::is_same_v<T, ByteArray>) {
        w.u32(static_cast<std::uint32_t>(v.bytes.size()));
        w.bytes(v.bytes);
    } else if constexpr (std::is_same_v<T, FieldTable>) {
        write_field_table(w, v);
    } else if constexpr (std::is_same_v<T, FieldArray>) {
        const auto start = w.begin_length();
        for (const auto& item : v)
            write_value(w, item);
        w.end_length(start);
    }
}

void write_value(Writer& w, const FieldValue& value) {
    w.u8(static_cast<std::uint8_t>(value.type_letter()));
    std::visit([&w](const auto& v) { write_scalar(w, v); }, value.value);
}

}  // namespace

char FieldValue::type_letter() const {
    return kTypeLetters[value.index()];
}

const FieldValue* FieldTable::find(std::string_view name) const {
    for (const auto& entry : entries) {
        if (entry.name == name) return &entry.value;
    }
    return nullptr;
}

void read_field_table(Reader& r, FieldTable& table, int depth) {
    read_table(r, &table, depth);
}

void skip_field_table(Reader& r) {
    read_table(r, nullptr, 0);
}

void write_field_table(Writer& w, const FieldTable& table) {
    const auto start = w.begin_length();
    for (const auto& entry : table.entries) {
        w.short_str(entry.name);
        write_value(w, entry.value);
    }
    w.end_length(start);
}

Result<FieldTable> decode_field_table(ByteView data) {
    Reader r(data);
    FieldTable table;
    read_field_table(r, table);
    r.expect_end();
    if (!r.ok()) return tl::unexpected(r.error());
    return table;
}

Result<Bytes> encode_field_table(const FieldTable& table) {
    Bytes out;
    Writer w(out);
    write_field_table(w, table);
    if (!w.ok()) return tl::unexpected(w.error());
    return out;
}

}  // namespace amqpprox::amqp
