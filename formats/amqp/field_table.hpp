// AMQP field tables and arrays with RabbitMQ's type letters (its "0-9-1 errata" set):
// t b B s u I i l f d D S A T F V x. Entries keep their wire order, so decode->encode
// reproduces the exact bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bytes.hpp"
#include "error.hpp"

namespace amqpprox::amqp {

class Reader;
class Writer;

struct Decimal {
    std::uint8_t scale = 0;  // digits after the decimal point
    std::int32_t value = 0;
    bool operator==(const Decimal&) const = default;
};

struct Timestamp {
    std::uint64_t seconds = 0;  // POSIX time
    bool operator==(const Timestamp&) const = default;
};

struct Void {
    bool operator==(const Void&) const = default;
};

struct ByteArray {
    Bytes bytes;
    bool operator==(const ByteArray&) const = default;
};

struct FieldValue;
struct FieldEntry;
using FieldArray = std::vector<FieldValue>;

struct FieldTable {
    std::vector<FieldEntry> entries;

    // The first entry named `name`, or nullptr.
    const FieldValue* find(std::string_view name) const;
    bool operator==(const FieldTable&) const;
};

struct FieldValue {
    // Alternatives in the order of the type letters: t b B s u I i l f d D S A T F V x.
    using Variant = std::variant<bool, std::int8_t, std::uint8_t, std::int16_t, std::uint16_t,
                                 std::int32_t, std::uint32_t, std::int64_t, float, double, Decimal,
                                 std::string, FieldArray, Timestamp, FieldTable, Void, ByteArray>;
    Variant value;

    char type_letter() const;
    bool operator==(const FieldValue&) const = default;
};

struct FieldEntry {
    std::string name;
    FieldValue value;
    bool operator==(const FieldEntry&) const = default;
};

inline bool FieldTable::operator==(const FieldTable& other) const {
    return entries == other.entries;
}

// Sticky-error primitives used by the method and content-header codecs.
void read_field_table(Reader& reader, FieldTable& table, int depth = 0);
// Checks a table as read_field_table does (same errors, same offsets) and passes over it,
// building nothing.
void skip_field_table(Reader& reader);
void write_field_table(Writer& writer, const FieldTable& table);

// A table as the whole of `data` (its 4-byte length prefix included).
Result<FieldTable> decode_field_table(ByteView data);
Result<Bytes> encode_field_table(const FieldTable& table);

}  // namespace amqpprox::amqp
