// The schedule of a replay, built from recorded sessions without any I/O: per session the
// client frames to send after the handshake (each with its recorded offset and the broker
// frames it must wait for) and the broker frames the recording expects back.
//
// The replayer does its own handshake with the target's credentials, so the recorded
// Start-Ok, Secure-Ok, Tune-Ok and Open are not steps (their credentials are redacted
// anyway), and the broker's handshake frames are not expected: through the proxy they came
// from amqpprox, not from the broker.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "analyze/inputs.hpp"
#include "formats/amqp/frame.hpp"
#include "formats/amqp/methods.hpp"

namespace amqpprox::replay {

// One frame of a session as it was recorded (or, for the diff, as the replay received it).
struct Frame {
    std::int64_t offset_ns = 0;  // from the session's start
    std::uint16_t channel = 0;
    amqp::FrameType type{};
    amqp::Bytes payload;     // as stored: a body may be cut by the capture's body policy
    std::uint32_t size = 0;  // payload bytes on the wire

    bool cut() const { return payload.size() < size; }

    bool operator==(const Frame&) const = default;
};

enum class WaitReason : std::uint8_t {
    reply,        // (a) the reply to the channel's last synchronous request
    delivery,     // (b) the delivery an ack, nack or reject settles
    server_name,  // (c) the reply that named a server-named queue or consumer tag
    close,        // the broker's Close that a Close-Ok answers
    order,        // a reply on another channel that came before this was sent: the client may
                  // have acted on it (a get after another channel's commit-ok)
    confirm,      // publisher confirms on another channel up to `ordinal` (a publish sequence
                  // number, however the broker groups its acks), for the same reason
};

std::string_view to_string(WaitReason reason);

// A broker frame to wait for: the `ordinal`-th (from 1) broker method on `channel` whose id
// is one of `methods`. Counting within a set of methods keeps the rule independent of what
// else the broker sends on the channel (deliveries between replies, confirms).
struct Wait {
    WaitReason reason{};
    std::uint16_t channel = 0;
    std::vector<amqp::MethodId> methods;
    std::uint64_t ordinal = 0;
    std::string detail;  // "delivery-tag 5", "queue amq.gen-X": for people

    bool operator==(const Wait&) const = default;
};

// One client method (with its content header and body frames, which go with it).
struct Step {
    std::uint64_t seq = 0;       // of the method frame in the recording
    std::int64_t offset_ns = 0;  // from the session's start
    std::uint16_t channel = 0;
    amqp::Method method;
    std::vector<Frame> content;  // header and body frames of a publish
    std::vector<Wait> waits;
    bool synchronous = false;  // expects a reply (a synchronous method without nowait)
    // When its reply came in the recording (for latencies).
    std::optional<std::int64_t> reply_offset_ns;
};

struct SessionPlan {
    analyze::SessionKey key;
    std::string label;
    std::string vhost;
    std::int64_t start_ns = 0;         // recorded start (POSIX ns)
    std::int64_t start_offset_ns = 0;  // from the start of the earliest planned session
    bool handshake_complete = false;   // the recording holds Connection.Open-Ok
    bool cut = false;                  // no Connection.Close in the recording
    std::vector<Step> steps;
    std::vector<Frame> expected;  // broker frames after the handshake, heartbeats left out
    std::vector<std::string> warnings;
};

struct Plan {
    std::vector<SessionPlan> sessions;  // by start time
};

// Sessions the selection keeps; frame filters (--queue, --method, ...) pick the sessions
// that have a matching frame, and each of those is planned whole.
tl::expected<Plan, std::string> build_plan(const analyze::InputSet& inputs,
                                           const analyze::Selection& selection);

// Plans one session from its records in sequence order (for tests and pcap imports).
SessionPlan plan_session(const analyze::SessionInfo& session,
                         const std::vector<capture::Record>& records);

// What the broker has sent on one channel so far, as waits look at it.
class ChannelProgress {
public:
    void add(const amqp::Method& method);
    // How many methods with this id arrived.
    std::uint64_t count(amqp::MethodId id) const;
    // The highest publish sequence number acked or nacked.
    std::uint64_t confirmed() const { return m_confirmed; }

private:
    // Counts, not the list: a check per step must not walk a channel's whole history.
    std::map<std::uint32_t, std::uint64_t> m_counts;  // method key -> arrivals
    std::uint64_t m_confirmed = 0;
};

// True when what the broker sent on the wait's channel satisfies `wait`.
bool satisfied(const Wait& wait, const ChannelProgress& progress);

}  // namespace amqpprox::replay
