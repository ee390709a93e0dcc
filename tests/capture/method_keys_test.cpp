#include "capture/method_keys.hpp"

#include <catch2/catch.hpp>

#include "capture/byte_arena.hpp"
#include "capture/frame_facts.hpp"
#include "capture_test_support.hpp"
#include "formats/amqp/methods.hpp"

using namespace amqpprox;
using namespace amqpprox::capture;
using namespace amqpprox::capture::test;

namespace {

// What the writer stored before read_method_keys: the method decoded whole.
Record reference_keys(const amqp::Bytes& payload) {
    Record r;
    if (auto id = amqp::peek_method_id(payload)) r.method = id->key();
    if (!r.method || (*r.method >> 16) == 10) return r;
    if (auto method = amqp::decode_method(payload)) extract_indexed_arguments(*method, r);
    return r;
}

void check_same_keys(const amqp::Bytes& payload) {
    const auto expected = reference_keys(payload);
    FrameRow row;
    Record spill;
    read_method_keys(payload, row, spill);
    INFO("method " << expected.method.value_or(0) << ", " << payload.size() << " bytes");
    check_indexed_arguments(row, expected);
}

// Every method with its names and delivery tag set, encoded.
std::vector<amqp::Bytes> every_method_encoded() {
    std::vector<amqp::Bytes> out;
    for (const auto& info : amqp::all_methods()) {
        amqp::Bytes bare{std::byte(info.id.class_id >> 8), std::byte(info.id.class_id & 0xff),
                         std::byte(info.id.method_id >> 8), std::byte(info.id.method_id & 0xff)};
        // Zeros after the ids: every argument reads as zero or empty, tables as empty.
        auto method = amqp::decode_method(bare);
        while (!method && bare.size() < 64) {
            bare.push_back(std::byte{0});
            method = amqp::decode_method(bare);
        }
        REQUIRE(method);
        std::visit(
            [](auto& m) {
                amqp::visit_fields(m, [](auto, std::string_view name, auto& v) {
                    using T = std::decay_t<decltype(v)>;
                    if constexpr (std::is_same_v<T, std::string>) v = std::string(name) + "-value";
                    if constexpr (std::is_same_v<T, std::uint64_t>) v = 0x0102030405060708;
                });
            },
            *method);
        amqp::Bytes encoded;
        REQUIRE(amqp::encode_method(*method, encoded));
        out.push_back(std::move(encoded));
    }
    return out;
}

}  // namespace

TEST_CASE("method keys read in place match the decoded method's", "[capture][keys]") {
    const auto methods = every_method_encoded();
    CHECK(methods.size() == amqp::kMethodCount);
    for (const auto& payload : methods) {
        check_same_keys(payload);
        // Cut short, or with a byte too many: the method does not decode, so no arguments.
        check_same_keys(amqp::Bytes(payload.begin(), payload.end() - 1));
        auto longer = payload;
        longer.push_back(std::byte{0});
        check_same_keys(longer);
    }
    // The recorded samples, every method frame of them.
    for (const auto* name : {"pika_session.conn1", "amqp_tools.conn1", "amqp_tools.conn5",
                             "raw_methods.conn1", "raw_methods.conn2"}) {
        for (const auto& f : sample_frames(name)) {
            if (f.type == amqp::FrameType::method) check_same_keys(f.payload);
        }
    }
}

TEST_CASE("method keys view the payload, names of the default exchange included",
          "[capture][keys]") {
    amqp::Bytes payload;
    REQUIRE(amqp::encode_method(amqp::BasicPublish{.exchange = "", .routing_key = "rk"}, payload));
    FrameRow row;
    Record spill;
    read_method_keys(payload, row, spill);
    REQUIRE(row.exchange.has_value());  // the default exchange: '' in the file, not NULL
    CHECK(row.exchange->empty());
    CHECK(row.routing_key == "rk");
    const auto* begin = reinterpret_cast<const char*>(payload.data());
    CHECK(row.routing_key->data() >= begin);
    CHECK(row.routing_key->data() + 2 <= begin + payload.size());
    CHECK_FALSE(spill.routing_key.has_value());
}

TEST_CASE("the byte arena keeps blocks still and reuses a few", "[capture]") {
    ByteArena arena;
    auto* first = arena.allocate(100);
    auto* second = arena.allocate(200);
    CHECK(second == first + 100);
    // Past a block: a new one; a frame bigger than a block gets its own.
    auto* third = arena.allocate(ByteArena::kBlockBytes - 200);
    CHECK(third != second + 200);
    auto* big = arena.allocate(ByteArena::kBlockBytes * 3);
    big[ByteArena::kBlockBytes * 3 - 1] = std::byte{1};
    first[0] = std::byte{7};
    CHECK(first[0] == std::byte{7});
    arena.clear();
    CHECK(arena.allocate(10) == first);  // the first block again
    CHECK(arena.allocate(0) != nullptr);
}
