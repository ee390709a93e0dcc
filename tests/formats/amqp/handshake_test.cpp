#include "formats/amqp/handshake.hpp"

#include <algorithm>

#include <catch2/catch.hpp>

using namespace amqpprox::amqp;
using Next = HandshakeStep::Next;

namespace {

// The frames in `bytes`, decoded.
std::vector<Method> methods_in(const Bytes& bytes) {
    std::vector<Method> out;
    ByteView rest(bytes);
    while (!rest.empty()) {
        auto frame = parse_frame(rest, 0).value();
        REQUIRE(frame);
        out.push_back(decode_method(frame->payload).value());
        rest = rest.subspan(frame->wire_size());
    }
    return out;
}

// A frame to feed in: the encoding must outlive the view.
struct Input {
    Bytes bytes;
    FrameView view() const { return parse_frame(bytes, 0).value().value(); }
};

Input method_frame(const Method& m, std::uint16_t channel = 0) {
    Input in;
    append_method_frame(in.bytes, channel, m);
    return in;
}

ConnectionClose close_in(const HandshakeStep& step) {
    const auto methods = methods_in(step.output);
    REQUIRE(methods.size() == 1);
    return std::get<ConnectionClose>(methods[0]);
}

}  // namespace

TEST_CASE("the server handshake runs header, Start, Tune, Open", "[handshake]") {
    ServerHandshake server(ServerHandshake::Config{});
    auto step = server.on_protocol_header(kProtocolHeader091);
    CHECK(step.next == Next::more);
    const auto start = std::get<ConnectionStart>(methods_in(step.output).at(0));
    CHECK(start.version_minor == 9);
    CHECK(start.mechanisms == "PLAIN AMQPLAIN");

    const ConnectionStartOk start_ok{
        .mechanism = "PLAIN", .response = std::string("\0u\0p", 4), .locale = "en_US"};
    step = server.on_frame(method_frame(start_ok).view());
    CHECK(step.next == Next::more);
    CHECK(std::get<ConnectionTune>(methods_in(step.output).at(0)).frame_max == kDefaultFrameMax);

    step = server.on_frame(
        method_frame(ConnectionTuneOk{.channel_max = 100, .frame_max = 65536, .heartbeat = 30})
            .view());
    CHECK(step.next == Next::more);
    CHECK(step.output.empty());
    Input heartbeat;
    encode_frame(FrameType::heartbeat, 0, {}, heartbeat.bytes);
    CHECK(server.on_frame(heartbeat.view()).next == Next::more);

    step = server.on_frame(method_frame(ConnectionOpen{.virtual_host = "orders"}).view());
    CHECK(step.next == Next::done);
    CHECK(server.open().virtual_host == "orders");
    CHECK(server.mechanism() == "PLAIN");
    CHECK(decode_method(server.start_ok_payload()).value() == Method{start_ok});
    CHECK(server.tuned() == TuneParameters{100, 65536, 30});
}

TEST_CASE("the server handshake checks the client's Start-Ok whole", "[handshake]") {
    ConnectionStartOk start_ok{.mechanism = "AMQPLAIN", .response = "r", .locale = "en_US"};
    FieldTable capabilities;
    capabilities.entries.push_back({"basic.nack", FieldValue{true}});
    auto& properties = start_ok.client_properties.entries;
    properties.push_back({"product", FieldValue{std::string("pika")}});
    properties.push_back({"capabilities", FieldValue{capabilities}});
    properties.push_back(
        {"list", FieldValue{FieldArray{FieldValue{std::int32_t{1}}, FieldValue{Void{}}}}});
    const auto sent = method_frame(start_ok);
    ServerHandshake server(ServerHandshake::Config{});
    server.on_protocol_header(kProtocolHeader091);

    SECTION("a good one is kept as sent") {
        const auto step = server.on_frame(sent.view());
        CHECK(step.next == Next::more);
        CHECK(server.mechanism() == "AMQPLAIN");
        CHECK(decode_method(server.start_ok_payload()).value() == Method{start_ok});
    }
    SECTION("a bad value in its table closes as decoding it would") {
        auto bad = sent;
        const auto letter = std::find(bad.bytes.begin(), bad.bytes.end(), std::byte{'S'});
        REQUIRE(letter != bad.bytes.end());
        *letter = std::byte{'Q'};  // no such type
        const auto error = decode_method(bad.view().payload, kFrameHeaderSize).error();
        CHECK(error.code == Errc::unknown_field_type);
        const auto step = server.on_frame(bad.view());
        CHECK(step.next == Next::close);
        CHECK(step.close_code == error.reply_code());
        CHECK(step.close_text == error.message());
    }
}

TEST_CASE("the server handshake refuses what a broker would", "[handshake]") {
    ServerHandshake server(ServerHandshake::Config{});
    SECTION("an unsupported protocol header gets ours back") {
        ProtocolHeader amqp10{{std::byte{'A'}, std::byte{'M'}, std::byte{'Q'}, std::byte{'P'},
                               std::byte{0}, std::byte{1}, std::byte{0}, std::byte{0}}};
        const auto step = server.on_protocol_header(amqp10);
        CHECK(step.next == Next::close);
        CHECK(step.output ==
              Bytes(kProtocolHeader091.bytes.begin(), kProtocolHeader091.bytes.end()));
    }
    SECTION("not AMQP at all gets ours back too") {
        const auto step = server.on_error(Error{Errc::bad_protocol_header, 0, 'G'});
        CHECK(step.next == Next::close);
        CHECK(step.output.size() == 8);
    }
    server.on_protocol_header(kProtocolHeader091);
    SECTION("a frame on a channel before Open: 504") {
        const auto step = server.on_frame(method_frame(ChannelOpen{}, 1).view());
        CHECK(step.next == Next::close);
        CHECK(close_in(step).reply_code == 504);
        CHECK(step.close_code == 504);
    }
    SECTION("the wrong method: 503 naming it") {
        const auto step = server.on_frame(method_frame(ConnectionOpen{.virtual_host = "/"}).view());
        CHECK(close_in(step).reply_code == 503);
        CHECK(close_in(step).reply_text ==
              "COMMAND_INVALID - Connection.Open during the handshake");
    }
    SECTION("a content frame: 505") {
        Input body;
        encode_frame(FrameType::body, 0, as_bytes("x"), body.bytes);
        CHECK(close_in(server.on_frame(body.view())).reply_code == 505);
    }
    SECTION("a malformed frame: its reply code") {
        CHECK(close_in(server.on_error(Error{Errc::bad_frame_end, 30, 0x41})).reply_code == 501);
    }
    SECTION("a Tune-Ok above what was offered: 530") {
        server.on_frame(method_frame(ConnectionStartOk{.mechanism = "PLAIN"}).view());
        const auto step = server.on_frame(
            method_frame(ConnectionTuneOk{.channel_max = 2047, .frame_max = 1 << 20}).view());
        CHECK(close_in(step).reply_code == 530);
        CHECK(close_in(step).class_id == 10);
        CHECK(close_in(step).method_id == 31);
    }
    SECTION("the client closing: Close-Ok") {
        const auto step = server.on_frame(
            method_frame(ConnectionClose{.reply_code = 200, .reply_text = "bye"}).view());
        CHECK(step.next == Next::close);
        CHECK(std::holds_alternative<ConnectionCloseOk>(methods_in(step.output).at(0)));
    }
}

TEST_CASE("the client handshake replays the client's choices to the broker", "[handshake]") {
    const ClientHandshake::Config config{
        .start_ok = ConnectionStartOk{.mechanism = "PLAIN", .response = "r", .locale = "en_US"},
        .tuned = {2047, 131072, 30},
        .open = ConnectionOpen{.virtual_host = "/"}};
    ClientHandshake client(config);
    CHECK(client.start() ==
          Bytes(kProtocolHeader091.bytes.begin(), kProtocolHeader091.bytes.end()));
    auto step =
        client.on_frame(method_frame(ConnectionStart{.mechanisms = "AMQPLAIN PLAIN"}).view());
    CHECK(methods_in(step.output) == std::vector<Method>{config.start_ok});
    step = client.on_frame(
        method_frame(ConnectionTune{.channel_max = 2047, .frame_max = 131072, .heartbeat = 60})
            .view());
    CHECK(methods_in(step.output) ==
          std::vector<Method>{ConnectionTuneOk{2047, 131072, 30}, config.open});
    const auto open_ok = method_frame(ConnectionOpenOk{});
    step = client.on_frame(open_ok.view());
    CHECK(step.next == Next::done);
    CHECK(client.open_ok_frame() == open_ok.bytes);
}

TEST_CASE("the proxy's properties are spliced into the client's Start-Ok", "[handshake]") {
    ConnectionStartOk client{.mechanism = "PLAIN", .response = std::string("\0u\0p", 4)};
    client.client_properties.entries.push_back({"product", FieldValue{std::string("pika")}});
    FieldTable nested;
    nested.entries.push_back({"publisher_confirms", FieldValue{true}});
    client.client_properties.entries.push_back({"capabilities", FieldValue{nested}});
    const auto sent = method_frame(client);
    FieldTable added;
    added.entries.push_back({"amqpprox_client", FieldValue{std::string("10.0.0.1:5000")}});
    added.entries.push_back({"amqpprox_host", FieldValue{std::string("proxy:41000")}});

    const auto spliced = start_ok_frame_adding(sent.view().payload, added);
    REQUIRE(spliced);
    // The same bytes decoding the client's and re-encoding it with the additions gives.
    auto expected = client;
    for (const auto& entry : added.entries)
        expected.client_properties.entries.push_back(entry);
    CHECK(*spliced == method_frame(expected).bytes);

    SECTION("a payload cut inside its table is an error, not a read past it") {
        const auto payload = sent.view().payload;
        for (std::size_t n = 0; n < 8 + 10; ++n) {
            CHECK_FALSE(start_ok_frame_adding(payload.first(n), added));
        }
    }
    SECTION("the client handshake sends the spliced frame as is") {
        ClientHandshake handshake({.start_ok = {.mechanism = "PLAIN"}, .start_ok_frame = *spliced});
        const auto step =
            handshake.on_frame(method_frame(ConnectionStart{.mechanisms = "PLAIN"}).view());
        CHECK(step.output == *spliced);
    }
}

TEST_CASE("the client handshake relays a broker's refusal", "[handshake]") {
    ClientHandshake client({.start_ok = ConnectionStartOk{.mechanism = "PLAIN"}});
    client.on_frame(method_frame(ConnectionStart{.mechanisms = "PLAIN"}).view());
    const auto step = client.on_frame(
        method_frame(
            ConnectionClose{.reply_code = 403, .reply_text = "ACCESS_REFUSED - Login was refused"})
            .view());
    CHECK(step.next == Next::close);
    REQUIRE(client.refusal());
    CHECK(client.refusal()->reply_code == 403);
    CHECK(std::holds_alternative<ConnectionCloseOk>(methods_in(step.output).at(0)));
}

TEST_CASE("a broker that cannot take the client's limits is refused", "[handshake]") {
    ClientHandshake client(
        {.start_ok = ConnectionStartOk{.mechanism = "PLAIN"}, .tuned = {2047, 131072, 60}});
    client.on_frame(method_frame(ConnectionStart{.mechanisms = "PLAIN"}).view());
    const auto step = client.on_frame(
        method_frame(ConnectionTune{.channel_max = 2047, .frame_max = 65536}).view());
    CHECK(step.next == Next::close);
    CHECK(step.close_text == "broker frame_max 65536 is below the client's 131072");
    ClientHandshake other({.start_ok = ConnectionStartOk{.mechanism = "EXTERNAL"}});
    CHECK(other.on_frame(method_frame(ConnectionStart{.mechanisms = "PLAIN"}).view()).close_text ==
          "broker does not offer the client's mechanism EXTERNAL");
}

TEST_CASE("the client handshake reads the broker's Start for its mechanisms", "[handshake]") {
    const ClientHandshake::Config config{.start_ok = ConnectionStartOk{.mechanism = "PLAIN"}};
    // The Start's payload, to cut or extend before framing it.
    const auto start_payload = [](const ConnectionStart& start) {
        Bytes payload;
        REQUIRE(encode_method(start, payload));
        return payload;
    };
    const auto framed = [](const Bytes& payload) {
        Input in;
        encode_frame(FrameType::method, 0, payload, in.bytes);
        return in;
    };
    const ConnectionStart rabbit{
        .version_major = 0,
        .version_minor = 9,
        .server_properties = {{{"capabilities", FieldValue{FieldTable{
                                                    {{"publisher_confirms", FieldValue{true}},
                                                     {"consumer_priorities", FieldValue{true}}}}}},
                               {"product", FieldValue{std::string("RabbitMQ")}},
                               {"version", FieldValue{std::string("3.10.8")}}}},
        .mechanisms = "PLAIN AMQPLAIN",
        .locales = "en_US"};

    SECTION("a property table is passed over whole, whatever it holds") {
        ClientHandshake client(config);
        CHECK(client.on_frame(method_frame(rabbit).view()).next == Next::more);
        // A type letter no decoder knows, inside the table: the proxy does not read it.
        auto payload = start_payload(rabbit);
        const auto product = std::string_view("\x07product", 8);
        const auto at = std::search(payload.begin(), payload.end(), product.begin(), product.end(),
                                    [](std::byte b, char c) { return b == std::byte(c); });
        REQUIRE(at != payload.end());
        *(at + static_cast<std::ptrdiff_t>(product.size())) = std::byte{'!'};
        ClientHandshake other(config);
        CHECK(other.on_frame(framed(payload).view()).next == Next::more);
    }
    SECTION("the client's mechanism must be a whole word of the list") {
        ClientHandshake client(config);
        auto only_amqplain = rabbit;
        only_amqplain.mechanisms = "AMQPLAIN";
        const auto step = client.on_frame(method_frame(only_amqplain).view());
        CHECK(step.next == Next::close);
        CHECK(step.close_text == "broker does not offer the client's mechanism PLAIN");
    }
    SECTION("a Start cut short, or with bytes after its last argument, is malformed") {
        auto payload = start_payload(rabbit);
        payload.resize(payload.size() - 3);
        ClientHandshake cut(config);
        auto step = cut.on_frame(framed(payload).view());
        CHECK(step.next == Next::close);
        CHECK(step.close_code == 320);
        CHECK(step.close_text.starts_with("broker sent a malformed frame: "));

        payload = start_payload(rabbit);
        payload.push_back(std::byte{0});
        ClientHandshake trailing(config);
        step = trailing.on_frame(framed(payload).view());
        CHECK(step.next == Next::close);
        CHECK(step.close_text.starts_with("broker sent a malformed frame: "));
        // A table length that runs past the frame.
        payload = start_payload(rabbit);
        payload[6] = std::byte{0x7f};
        ClientHandshake overlong(config);
        CHECK(overlong.on_frame(framed(payload).view()).next == Next::close);
    }
    SECTION("a second Start is out of order") {
        ClientHandshake client(config);
        client.on_frame(method_frame(rabbit).view());
        const auto step = client.on_frame(method_frame(rabbit).view());
        CHECK(step.next == Next::close);
        CHECK(step.close_text == "broker sent Connection.Start out of order");
    }
}
