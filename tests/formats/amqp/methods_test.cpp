#include "formats/amqp/methods.hpp"

#include <set>

#include <catch2/catch.hpp>

#include "test_support.hpp"

using namespace amqpprox::amqp;
using test::hex;

namespace {

// Gives every argument a value other than its default, varied by position so that
// swapped or shifted fields would not round-trip.
struct Filler {
    int position = 0;
    bool bits_on;

    template <FieldKind K, typename T>
    void operator()(KindTag<K>, std::string_view name, T& v) {
        ++position;
        if constexpr (K == FieldKind::Octet) v = static_cast<std::uint8_t>(0xA0 + position);
        if constexpr (K == FieldKind::Short) v = static_cast<std::uint16_t>(0xB000 + position);
        if constexpr (K == FieldKind::Long) v = 0xC0000000u + static_cast<std::uint32_t>(position);
        if constexpr (K == FieldKind::LongLong)
            v = std::uint64_t{0xD000000000000000} + static_cast<std::uint64_t>(position);
        if constexpr (K == FieldKind::ShortStr)
            v = std::string(name) + "-" + std::to_string(position);
        if constexpr (K == FieldKind::LongStr) v = std::string("\0long\xff", 6) + std::string(name);
        if constexpr (K == FieldKind::Bit) v = bits_on ? true : position % 2 == 1;
        if constexpr (K == FieldKind::Table) {
            v.entries.push_back({std::string(name), FieldValue{std::int32_t{position}}});
        }
    }
};

Method filled(std::size_t index, bool bits_on) {
    Method method;
    // Default-construct alternative `index`.
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((I == index ? (method.emplace<I>(), 0) : 0), ...);
    }
    (std::make_index_sequence<kMethodCount>{});
    std::visit([&](auto& m) { visit_fields(m, Filler{0, bits_on}); }, method);
    return method;
}

}  // namespace

TEST_CASE("the table has RabbitMQ's 66 methods with unique ids and names", "[methods]") {
    REQUIRE(kMethodCount == 66);
    REQUIRE(all_methods().size() == 66);
    std::set<std::uint32_t> keys;
    std::set<std::string_view> names;
    for (const auto& m : all_methods()) {
        keys.insert(m.id.key());
        names.insert(m.name);
        CHECK(find_method(m.id) == &m);
        for (const auto reply : m.replies) {
            INFO(m.name);
            REQUIRE(find_method(reply) != nullptr);
            CHECK_FALSE(find_method(reply)->synchronous);
        }
        CHECK(m.synchronous == !m.replies.empty());
    }
    CHECK(keys.size() == 66);
    CHECK(names.size() == 66);
    CHECK(find_method({40, 51})->name == "exchange.unbind-ok");
    CHECK(find_method({40, 41}) == nullptr);
    CHECK(find_method({60, 70})->replies == std::vector<MethodId>{{60, 71}, {60, 72}});
    CHECK(find_method({60, 40})->has_content);
    CHECK(find_method({60, 60})->has_content);
    CHECK(find_method({60, 71})->has_content);
    CHECK(find_method({60, 50})->has_content);
    CHECK(find_method({60, 120})->name == "basic.nack");
    CHECK(find_method({10, 70})->display_name == "Connection.Update-Secret");
    CHECK(find_method({50, 11})->display_name == "Queue.Declare-Ok");
}

TEST_CASE("every method round-trips with non-default arguments", "[methods]") {
    for (std::size_t i = 0; i < kMethodCount; ++i) {
        for (const bool bits_on : {false, true}) {
            const auto method = filled(i, bits_on);
            INFO(info(method).name << " bits_on=" << bits_on);
            CHECK(method.index() == i);
            Bytes bytes;
            REQUIRE(encode_method(method, bytes));
            const auto decoded = decode_method(bytes);
            REQUIRE(decoded);
            CHECK(*decoded == method);
            CHECK(method_id(*decoded) == all_methods()[i].id);
            Bytes again;
            REQUIRE(encode_method(*decoded, again));
            CHECK(again == bytes);
            // Every strict prefix is a truncation, never a crash or a wrong method.
            for (std::size_t n = 0; n < bytes.size(); ++n) {
                const auto prefix = decode_method(ByteView(bytes).first(n));
                REQUIRE_FALSE(prefix);
                CHECK(prefix.error().code == Errc::truncated);
            }
        }
    }
}

TEST_CASE("methods encode to the bytes RabbitMQ expects", "[methods]") {
    SECTION("basic.publish packs mandatory and immediate into one octet") {
        Bytes out;
        REQUIRE(encode_method(BasicPublish{.exchange = "x", .routing_key = "k", .mandatory = true},
                              out));
        CHECK(out == hex("003c 0028 0000 01 78 01 6b 01"));
    }
    SECTION("queue.declare bits: passive durable exclusive auto_delete nowait") {
        Bytes out;
        REQUIRE(
            encode_method(QueueDeclare{.queue = "q", .durable = true, .auto_delete = true}, out));
        CHECK(out == hex("0032 000a 0000 01 71 0a 00000000"));
    }
    SECTION("basic.ack with multiple") {
        Bytes out;
        REQUIRE(encode_method(BasicAck{.delivery_tag = 42, .multiple = true}, out));
        CHECK(out == hex("003c 0050 000000000000002a 01"));
    }
    SECTION("methods without arguments are just the ids") {
        Bytes out;
        REQUIRE(encode_method(TxCommitOk{}, out));
        CHECK(out == hex("005a 0015"));
    }
}

TEST_CASE("bad method payloads are errors with offsets", "[methods]") {
    SECTION("unknown method") {
        const auto r = decode_method(hex("0028 0029"), 20);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::unknown_method);
        CHECK(r.error().offset == 20);
        CHECK(r.error().reply_code() == 503);
        CHECK(r.error().message() == "unknown method 40/41 at offset 20");
    }
    SECTION("bytes after the last argument") {
        const auto r = decode_method(hex("005a 0015 00"));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::trailing_bytes);
        CHECK(r.error().offset == 4);
    }
    SECTION("an encoding error leaves the buffer untouched") {
        Bytes out = hex("ff");
        const auto r = encode_method(BasicPublish{.exchange = std::string(300, 'e')}, out);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::string_too_long);
        CHECK(out == hex("ff"));
    }
    SECTION("peek reads only the ids") {
        CHECK(peek_method_id(hex("003c 0028 ffff")).value() == MethodId{60, 40});
        CHECK_FALSE(peek_method_id(hex("003c 00")));
    }
}
