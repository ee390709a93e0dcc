// What the capture store holds: sessions (one client connection each), records (one AMQP
// frame with its context) and gaps (what was not recorded, and why). The pcap source
// produces the same types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "formats/amqp/bytes.hpp"
#include "formats/amqp/frame.hpp"

namespace amqpprox::capture {

using SessionId = std::uint64_t;

enum class Direction : std::uint8_t {
    client_to_broker = 0,
    broker_to_client = 1,
};

std::string_view to_string(Direction direction);  // "client" / "broker": who sent it

struct Record {
    SessionId session = 0;
    std::uint64_t seq = 0;   // per session, from 0, in the order the proxy saw the frames
    std::int64_t ts_ns = 0;  // POSIX time in nanoseconds
    Direction direction{};
    std::uint16_t channel = 0;
    amqp::FrameType type{};
    std::optional<std::uint32_t> method;  // class_id << 16 | method_id for method frames
    std::uint32_t size = 0;  // payload bytes on the wire (the stored payload may be shorter)
    amqp::Bytes payload;     // as stored: bodies may be cut, credentials redacted
    // Indexed arguments of method frames (nullopt when the method has no such argument).
    std::optional<std::string> exchange;
    std::optional<std::string> routing_key;
    std::optional<std::string> queue;
    std::optional<std::string> consumer_tag;
    std::optional<std::uint64_t> delivery_tag;

    bool operator==(const Record&) const = default;
};

// What the recorder knows about a connection when it starts; the rest (vhost, user,
// properties, close) is learned from the frames themselves.
struct SessionStart {
    SessionId id = 0;
    std::int64_t start_ns = 0;
    std::string client_address;   // "ip:port"
    std::string proxy_address;    // where the client connected
    std::string backend_address;  // filled in when the backend is chosen
    std::string backend;          // backend name
    bool client_tls = false;
    bool backend_tls = false;

    bool operator==(const SessionStart&) const = default;
};

// Who closed a session, when it ended.
enum class ClosedBy : std::uint8_t { unknown, client, broker, proxy };
std::string_view to_string(ClosedBy who);
std::optional<ClosedBy> closed_by_from_string(std::string_view text);

struct SessionRow {
    SessionStart start;
    std::optional<std::int64_t> end_ns;
    std::string vhost;
    std::string user;
    std::string connection_name;
    std::string client_properties;  // JSON
    std::string server_properties;  // JSON
    std::optional<std::uint16_t> close_code;
    std::string close_text;
    ClosedBy closed_by = ClosedBy::unknown;  // unknown with end_ns set: dropped without Close
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;  // wire bytes of the frames, both directions
    std::uint64_t frames_lost = 0;
};

enum class GapReason : std::uint8_t { writer_overflow, missing_bytes };
std::string_view to_string(GapReason reason);

struct Gap {
    std::optional<SessionId> session;
    std::int64_t ts_ns = 0;
    std::optional<Direction> direction;
    std::uint64_t frames = 0;  // frames not recorded (0 when unknown)
    std::uint64_t bytes = 0;   // bytes not recorded (0 when unknown)
    GapReason reason{};

    bool operator==(const Gap&) const = default;
};

}  // namespace amqpprox::capture
