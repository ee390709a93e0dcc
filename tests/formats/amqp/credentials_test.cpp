#include "formats/amqp/credentials.hpp"

#include <catch2/catch.hpp>

#include "formats/amqp/field_table.hpp"
#include "test_support.hpp"

using namespace amqpprox::amqp;

TEST_CASE("the user of a PLAIN response", "[credentials]") {
    CHECK(sasl_username("PLAIN", std::string("\0guest\0guest", 12)) == "guest");
    CHECK(sasl_username("PLAIN", std::string("admin\0bob\0pw", 12)) == "bob");
    CHECK(sasl_username("PLAIN", "no separators") == std::nullopt);
    CHECK(sasl_username("PLAIN", std::string("\0only-user", 10)) == std::nullopt);
}

TEST_CASE("the user of an AMQPLAIN response", "[credentials]") {
    // AMQPLAIN: table entries without the length prefix.
    const FieldTable table{
        {{"LOGIN", FieldValue{std::string("carol")}}, {"PASSWORD", FieldValue{std::string("pw")}}}};
    const auto encoded = encode_field_table(table).value();
    const auto response = std::string(as_chars(ByteView(encoded).subspan(4)));
    CHECK(sasl_username("AMQPLAIN", response) == "carol");
    CHECK(sasl_username("AMQPLAIN", response.substr(0, 5)) == std::nullopt);
}

TEST_CASE("which mechanisms carry secrets", "[credentials]") {
    CHECK(sasl_response_is_secret("PLAIN"));
    CHECK(sasl_response_is_secret("AMQPLAIN"));
    CHECK(sasl_response_is_secret("RABBIT-CR-DEMO"));
    CHECK_FALSE(sasl_response_is_secret("EXTERNAL"));
    CHECK(sasl_username("EXTERNAL", "") == std::nullopt);
}
