#include "formats/text/escape.hpp"

#include <catch2/catch.hpp>

#include "formats/text/json_writer.hpp"

using namespace amqpprox::text;

TEST_CASE("UTF-8 validation rejects overlongs, surrogates and truncation", "[text]") {
    CHECK(utf8_sequence_length("a", 0) == 1);
    CHECK(utf8_sequence_length("\xc3\xa9", 0) == 2);
    CHECK(utf8_sequence_length("\xe2\x82\xac", 0) == 3);
    CHECK(utf8_sequence_length("\xf0\x9f\x90\x87", 0) == 4);
    CHECK(utf8_sequence_length("\xc0\xaf", 0) == 0);      // overlong '/'
    CHECK(utf8_sequence_length("\xed\xa0\x80", 0) == 0);  // surrogate
    CHECK(utf8_sequence_length("\xe2\x82", 0) == 0);      // truncated
    CHECK(utf8_sequence_length("\xf4\x90\x80\x80", 0) == 0);
}

TEST_CASE("JSON strings escape control and invalid bytes", "[text]") {
    std::string out;
    append_json_string(out, std::string("a\"\\\n\x01\xff\xc3\xa9", 8));
    CHECK(out == "\"a\\\"\\\\\\n\\u0001\\u00ff\xc3\xa9\"");
}

TEST_CASE("the JSON writer places commas and colons", "[text]") {
    std::string out;
    JsonWriter json(out);
    json.begin_object().key("a").value(1).key("b").begin_array().value(true).null().value(-2.5);
    json.end_array().key("c").begin_object().end_object().end_object();
    CHECK(out == R"({"a":1,"b":[true,null,-2.5],"c":{}})");
}

TEST_CASE("previews replace unprintable bytes", "[text]") {
    std::string out;
    append_preview(out, std::string("hi\0there\n", 9), 6);
    CHECK(out == "hi.the");
}
