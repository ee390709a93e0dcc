// Content headers: the frame between a content-carrying method (publish, deliver, get-ok,
// return) and its body frames: class, body size, and the 14 basic properties.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bytes.hpp"
#include "error.hpp"
#include "field_table.hpp"

namespace amqpprox::amqp {

// X-macro over the basic properties in flag order (bit 15 first): F(kind, name).
// kind: ShortStr, Table, Octet, Timestamp.
// clang-format off
#define AMQP_BASIC_PROPERTIES(F)                                                        \
    F(ShortStr, content_type) F(ShortStr, content_encoding) F(Table, headers)           \
    F(Octet, delivery_mode) F(Octet, priority) F(ShortStr, correlation_id)              \
    F(ShortStr, reply_to) F(ShortStr, expiration) F(ShortStr, message_id)               \
    F(Timestamp, timestamp) F(ShortStr, type) F(ShortStr, user_id) F(ShortStr, app_id)  \
    F(ShortStr, cluster_id)
// clang-format on

struct BasicProperties {
    std::optional<std::string> content_type;
    std::optional<std::string> content_encoding;
    std::optional<FieldTable> headers;
    std::optional<std::uint8_t> delivery_mode;  // 1 transient, 2 persistent
    std::optional<std::uint8_t> priority;
    std::optional<std::string> correlation_id;
    std::optional<std::string> reply_to;
    std::optional<std::string> expiration;
    std::optional<std::string> message_id;
    std::optional<std::uint64_t> timestamp;  // POSIX seconds
    std::optional<std::string> type;
    std::optional<std::string> user_id;
    std::optional<std::string> app_id;
    std::optional<std::string> cluster_id;

    bool operator==(const BasicProperties&) const = default;
};

inline constexpr std::uint16_t kBasicClassId = 60;

struct ContentHeader {
    std::uint16_t class_id = kBasicClassId;  // 60: only basic carries content in 0-9-1
    std::uint16_t weight = 0;                // always 0 in 0-9-1
    std::uint64_t body_size = 0;
    BasicProperties properties;

    bool operator==(const ContentHeader&) const = default;
};

// A content header frame payload. Rejects classes other than basic and property flags
// beyond the 14 defined ones (a continuation word included).
Result<ContentHeader> decode_content_header(ByteView payload, std::size_t base_offset = 0);
// The body size and class alone, without decoding the properties.
struct ContentSize {
    std::uint16_t class_id;
    std::uint64_t body_size;
};
Result<ContentSize> peek_content_size(ByteView payload, std::size_t base_offset = 0);
// Appends the payload of a content header frame; on error `out` is left as it was.
Result<void> encode_content_header(const ContentHeader& header, Bytes& out);

}  // namespace amqpprox::amqp
