// Builds small captures frame by frame with exact timestamps and opens them, for the
// analyzer's tests.
#pragma once

#include <string>

#include <catch2/catch.hpp>

#include "analyze/inputs.hpp"
#include "analyze/selection_options.hpp"
#include "capture/writer.hpp"
#include "formats/amqp/content.hpp"
#include "formats/amqp/methods.hpp"
#include "formats/amqp/protocol_header.hpp"

namespace amqpprox::analyze::test {

inline constexpr std::int64_t kT0 = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z
inline constexpr std::int64_t kMs = 1'000'000;

// One session being written: t is in milliseconds after kT0.
class SessionBuilder {
public:
    SessionBuilder(capture::CaptureWriter& writer, capture::SessionId id, std::int64_t start_ms)
        : m_writer(writer), m_id(id) {
        m_writer.start_session({.id = id,
                                .start_ns = kT0 + start_ms * kMs,
                                .client_address = "127.0.0.1:40000",
                                .proxy_address = "127.0.0.1:5672"});
        m_writer.set_backend(id, "rabbit", "127.0.0.1:5790", false);
    }

    SessionBuilder& header(std::int64_t t) {
        const auto h = amqp::kProtocolHeader091.bytes;
        m_writer.record_frame(m_id, capture::Direction::client_to_broker,
                              amqp::FrameType::protocol_header, 0, amqp::Bytes(h.begin(), h.end()),
                              at(t));
        return *this;
    }
    SessionBuilder& client(std::int64_t t, std::uint16_t channel, const amqp::Method& m) {
        return method(t, capture::Direction::client_to_broker, channel, m);
    }
    SessionBuilder& broker(std::int64_t t, std::uint16_t channel, const amqp::Method& m) {
        return method(t, capture::Direction::broker_to_client, channel, m);
    }
    // A content header and one body frame of `body_bytes` bytes ('x').
    SessionBuilder& content(std::int64_t t, capture::Direction d, std::uint16_t channel,
                            std::uint64_t body_size, std::size_t body_bytes) {
        amqp::Bytes payload;
        amqp::ContentHeader h;
        h.body_size = body_size;
        (void)amqp::encode_content_header(h, payload);
        m_writer.record_frame(m_id, d, amqp::FrameType::header, channel, payload, at(t));
        if (body_bytes > 0) {
            m_writer.record_frame(m_id, d, amqp::FrameType::body, channel,
                                  amqp::Bytes(body_bytes, std::byte{'x'}), at(t));
        }
        return *this;
    }
    // A content header with `properties`, and `body` in frames of at most `frame_bytes`.
    SessionBuilder& content(std::int64_t t, capture::Direction d, std::uint16_t channel,
                            const amqp::BasicProperties& properties, std::string_view body,
                            std::size_t frame_bytes = 131'064) {
        amqp::Bytes payload;
        (void)amqp::encode_content_header({.body_size = body.size(), .properties = properties},
                                          payload);
        m_writer.record_frame(m_id, d, amqp::FrameType::header, channel, payload, at(t));
        for (std::size_t at_byte = 0; at_byte < body.size(); at_byte += frame_bytes) {
            const auto part = body.substr(at_byte, frame_bytes);
            const auto* bytes = reinterpret_cast<const std::byte*>(part.data());
            m_writer.record_frame(m_id, d, amqp::FrameType::body, channel,
                                  amqp::Bytes(bytes, bytes + part.size()), at(t));
        }
        return *this;
    }
    SessionBuilder& raw(std::int64_t t, capture::Direction d, std::uint16_t channel,
                        amqp::FrameType type, amqp::Bytes payload) {
        m_writer.record_frame(m_id, d, type, channel, payload, at(t));
        return *this;
    }
    void end(std::int64_t t) { m_writer.end_session(m_id, at(t)); }

private:
    SessionBuilder& method(std::int64_t t, capture::Direction d, std::uint16_t channel,
                           const amqp::Method& m) {
        amqp::Bytes payload;
        (void)amqp::encode_method(m, payload);
        m_writer.record_frame(m_id, d, amqp::FrameType::method, channel, payload, at(t));
        return *this;
    }
    static std::int64_t at(std::int64_t t_ms) { return kT0 + t_ms * kMs; }

    capture::CaptureWriter& m_writer;
    capture::SessionId m_id;
};

struct Opened {
    InputSet inputs;
    Selection selection;
};

// A capture opened for analysis, with a selection made from `options`; both must succeed.
inline Opened open(const std::string& path, const SelectionOptions& options = {}) {
    auto inputs = InputSet::open({path});
    REQUIRE(inputs);
    auto selection = make_selection(options, *inputs);
    REQUIRE(selection);
    return {std::move(*inputs), std::move(*selection)};
}

inline capture::WriterOptions blocking_writer() {
    capture::WriterOptions options;
    options.overflow = capture::OverflowPolicy::block;
    return options;
}

}  // namespace amqpprox::analyze::test
