#include "formats/amqp/field_table.hpp"

#include <limits>

#include <catch2/catch.hpp>

#include "formats/amqp/constants.hpp"
#include "formats/amqp/printer.hpp"
#include "formats/amqp/writer.hpp"
#include "test_support.hpp"

using namespace amqpprox::amqp;
using test::hex;

namespace {

FieldTable every_type() {
    FieldTable nested{{{"inner", FieldValue{std::string("x")}}}};
    return FieldTable{{
        {"t", FieldValue{true}},
        {"b", FieldValue{std::int8_t{-5}}},
        {"B", FieldValue{std::uint8_t{250}}},
        {"s", FieldValue{std::int16_t{-300}}},
        {"u", FieldValue{std::uint16_t{60000}}},
        {"I", FieldValue{std::int32_t{-70000}}},
        {"i", FieldValue{std::uint32_t{4000000000u}}},
        {"l", FieldValue{std::int64_t{-5000000000}}},
        {"f", FieldValue{1.5f}},
        {"d", FieldValue{-2.25}},
        {"D", FieldValue{Decimal{2, -12345}}},
        {"S", FieldValue{std::string("h\0llo", 5)}},
        {"A", FieldValue{FieldArray{FieldValue{std::int32_t{1}}, FieldValue{std::string("two")}}}},
        {"T", FieldValue{Timestamp{1700000000}}},
        {"F", FieldValue{nested}},
        {"V", FieldValue{Void{}}},
        {"x", FieldValue{ByteArray{hex("00ff10")}}},
    }};
}

}  // namespace

TEST_CASE("every RabbitMQ field type round-trips", "[field_table]") {
    const auto table = every_type();
    const auto bytes = encode_field_table(table);
    REQUIRE(bytes);
    const auto decoded = decode_field_table(*bytes);
    REQUIRE(decoded);
    CHECK(*decoded == table);
    for (const auto& entry : decoded->entries) {
        // Each entry is named after its own type letter.
        CHECK(entry.value.type_letter() == entry.name[0]);
    }
    CHECK(encode_field_table(*decoded).value() == *bytes);
}

TEST_CASE("field values use RabbitMQ's errata encodings", "[field_table]") {
    // s is a signed 16-bit, l a signed 64-bit, x a byte array (not the 0-9-1 spec's table).
    const FieldTable table{{{"a", FieldValue{std::int16_t{-2}}},
                            {"b", FieldValue{std::int64_t{-1}}},
                            {"c", FieldValue{ByteArray{hex("0102")}}}}};
    CHECK(encode_field_table(table).value() ==
          hex("00000019  01 61 73 fffe  01 62 6c ffffffffffffffff  01 63 78 00000002 0102"));
}

TEST_CASE("entries keep wire order and duplicates", "[field_table]") {
    const auto bytes = hex("0000000f 01 7a 74 01  01 61 74 00  01 7a 42 07  01 61 56");
    const auto table = decode_field_table(bytes);
    REQUIRE(table);
    REQUIRE(table->entries.size() == 4);
    CHECK(table->entries[0].name == "z");
    CHECK(table->entries[2].name == "z");
    CHECK(table->find("z")->value == FieldValue::Variant{true});
    CHECK(table->find("missing") == nullptr);
    CHECK(encode_field_table(*table).value() == bytes);
}

TEST_CASE("an unknown type letter is reported at its offset", "[field_table]") {
    const auto result = decode_field_table(hex("00000004 01 6b 51 00"));  // 'Q'
    REQUIRE_FALSE(result);
    CHECK(result.error().code == Errc::unknown_field_type);
    CHECK(result.error().offset == 6);
    CHECK(result.error().detail == 'Q');
    CHECK(result.error().reply_code() == 502);
    CHECK(result.error().message() == "unknown field type 'Q' (0x51) at offset 6");
}

TEST_CASE("an entry that overruns its table is a truncation", "[field_table]") {
    // The table says 5 bytes, the string inside claims 100.
    const auto result = decode_field_table(hex("00000005 01 6b 53 00000064 00"));
    REQUIRE_FALSE(result);
    CHECK(result.error().code == Errc::truncated);
}

TEST_CASE("nesting is limited against hostile input", "[field_table]") {
    auto nest = [](int depth) {
        FieldValue value{std::int32_t{1}};
        for (int i = 0; i < depth; ++i)
            value = FieldValue{FieldArray{value}};
        return FieldTable{{{"n", value}}};
    };
    CHECK(decode_field_table(encode_field_table(nest(kMaxFieldNesting)).value()));
    const auto too_deep =
        decode_field_table(encode_field_table(nest(kMaxFieldNesting + 1)).value());
    REQUIRE_FALSE(too_deep);
    CHECK(too_deep.error().code == Errc::nesting_too_deep);

    // 100000 well-formed nested arrays fail cleanly instead of exhausting the stack.
    constexpr std::uint32_t levels = 100000;
    Bytes hostile;
    Writer w(hostile);
    w.u32(2 + 5 * (levels + 1));
    w.short_str("a");
    for (std::uint32_t j = 0; j < levels; ++j) {
        w.u8('A');
        w.u32(5 * (levels - j));
    }
    w.u8('I');
    w.u32(1);
    const auto result = decode_field_table(hostile);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == Errc::nesting_too_deep);
}

TEST_CASE("field values print as a user reads them", "[field_table][printer]") {
    CHECK(to_text(FieldValue{Decimal{2, -12345}}) == "-123.45");
    CHECK(to_text(FieldValue{Decimal{3, 5}}) == "0.005");
    CHECK(to_text(FieldValue{Timestamp{0}}) == "1970-01-01T00:00:00Z");
    CHECK(to_text(FieldValue{ByteArray{hex("00ff")}}) == "x\"00ff\"");
    CHECK(to_text(FieldValue{Void{}}) == "void");
    CHECK(to_text(FieldValue{std::numeric_limits<std::int64_t>::min()}) == "-9223372036854775808");
    CHECK(to_text(FieldTable{{{"k", FieldValue{FieldArray{FieldValue{true}}}}}}) == "{k=[true]}");
}
