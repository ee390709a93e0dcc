// One frame as the writer thread stores it: the frames table's columns, with the payload and
// the names viewing bytes held elsewhere (a queued batch's arena), so that queuing a frame and
// binding it to a statement copy nothing but the payload, once.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "formats/amqp/bytes.hpp"
#include "formats/amqp/frame.hpp"
#include "record.hpp"

namespace amqpprox::capture {

struct FrameRow {
    SessionId session = 0;
    std::uint64_t seq = 0;
    std::int64_t ts_ns = 0;
    std::optional<std::uint32_t> method;  // class_id << 16 | method_id for method frames
    std::uint32_t size = 0;               // payload bytes on the wire
    std::uint16_t channel = 0;
    Direction direction{};
    amqp::FrameType type{};
    amqp::ByteView payload;  // as stored: bodies cut, credentials redacted
    std::optional<std::string_view> exchange;
    std::optional<std::string_view> routing_key;
    std::optional<std::string_view> queue;
    std::optional<std::string_view> consumer_tag;
    std::optional<std::uint64_t> delivery_tag;
};

}  // namespace amqpprox::capture
