#include "analyze/decode_stream.hpp"

#include <sstream>

#include <catch2/catch.hpp>

#include "formats/amqp/content.hpp"
#include "formats/amqp/frame.hpp"
#include "formats/amqp/methods.hpp"

using namespace amqpprox;
using namespace amqpprox::amqp;

namespace {

std::string client_stream() {
    Bytes out(kProtocolHeader091.bytes.begin(), kProtocolHeader091.bytes.end());
    Bytes payload;
    REQUIRE(encode_method(
        ConnectionStartOk{
            .mechanism = "PLAIN", .response = std::string("\0bob\0hunter2", 12), .locale = "en_US"},
        payload));
    encode_frame(FrameType::method, 0, payload, out);
    payload.clear();
    REQUIRE(encode_method(BasicPublish{.exchange = "ex", .routing_key = "rk"}, payload));
    encode_frame(FrameType::method, 1, payload, out);
    payload.clear();
    REQUIRE(encode_content_header(ContentHeader{.body_size = 5}, payload));
    encode_frame(FrameType::header, 1, payload, out);
    encode_frame(FrameType::body, 1, as_bytes("hello"), out);
    encode_frame(FrameType::heartbeat, 0, {}, out);
    return std::string(as_chars(out));
}

}  // namespace

TEST_CASE("decode prints one line per frame with offsets and channels", "[analyze]") {
    std::istringstream in(client_stream());
    std::ostringstream out, err;
    CHECK(analyze::decode_stream(in, out, err, {.body_preview = 16}) == 0);
    CHECK(err.str().empty());
    std::istringstream lines(out.str());
    std::vector<std::string> got;
    for (std::string line; std::getline(lines, line);)
        got.push_back(line);
    REQUIRE(got.size() == 6);
    CHECK(got[0] == "@0 ch0 Protocol-Header AMQP 0-9-1");
    CHECK(
        got[1].starts_with("@8 ch0 Connection.Start-Ok client_properties={} mechanism=\"PLAIN\""));
    CHECK(got[1].find("hunter2") == std::string::npos);
    CHECK(
        got[2].ends_with("ch1 Basic.Publish exchange=\"ex\" routing_key=\"rk\" mandatory=false "
                         "immediate=false"));
    CHECK(got[3].ends_with("ch1 Content-Header body_size=5"));
    CHECK(got[4].ends_with("ch1 Content-Body 5 bytes \"hello\""));
    CHECK(got[5].ends_with("ch0 Heartbeat"));
}

TEST_CASE("decode reports a malformed stream with its offset and exit 2", "[analyze]") {
    auto stream = client_stream();
    stream[8 + 7] = '\x7f';  // corrupt the class id of start-ok: method 32522/11
    std::istringstream in(stream);
    std::ostringstream out, err;
    CHECK(analyze::decode_stream(in, out, err, {}) == 2);
    CHECK(err.str() == "amqp-analyze: frame at offset 8: unknown method 32522/11 at offset 15\n");

    std::istringstream cut(client_stream().substr(0, 20));
    std::ostringstream out2, err2;
    CHECK(analyze::decode_stream(cut, out2, err2, {}) == 2);
    CHECK(err2.str() == "amqp-analyze: stream ends inside a frame (12 bytes left at offset 8)\n");
}

TEST_CASE("decode writes JSON lines", "[analyze]") {
    std::istringstream in(client_stream());
    std::ostringstream out, err;
    CHECK(analyze::decode_stream(in, out, err, {.json = true}) == 0);
    std::istringstream lines(out.str());
    std::string line;
    std::getline(lines, line);
    CHECK(line ==
          R"({"offset":0,"type":"protocol-header","channel":0,"size":8,"protocol":"AMQP 0-9-1"})");
    std::getline(lines, line);
    CHECK(line.find(R"("method":{"method":"connection.start-ok")") != std::string::npos);
}
