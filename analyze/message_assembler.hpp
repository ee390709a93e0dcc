// Messages put back together from their frames: a content-carrying method (Basic.Publish,
// Deliver, Return or GetOk), its content header and its body frames, per session, channel and
// direction. What could not be put together whole is still handed on, marked as such.
#pragma once

#include <compare>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "capture/record.hpp"
#include "formats/amqp/content.hpp"
#include "formats/amqp/methods.hpp"
#include "inputs.hpp"

namespace amqpprox::analyze {

enum class MessageStatus : std::uint8_t {
    complete,     // every body byte is here
    cut,          // the capture kept fewer body bytes than were sent (its body policy)
    interrupted,  // frames are missing (a gap, or the channel moved on before the body
                  // ended), or the body frames hold more than the header announced
};

std::string_view to_string(MessageStatus status);  // "complete", "cut", "interrupted"

struct Message {
    const SessionInfo* session = nullptr;
    capture::Direction direction{};
    std::uint16_t channel = 0;
    amqp::MethodId method;      // basic.publish, basic.deliver, basic.return or basic.get-ok
    std::int64_t start_ns = 0;  // the method frame
    std::int64_t end_ns = 0;    // the last frame of the message
    std::string exchange;
    std::string routing_key;
    std::optional<std::uint64_t> delivery_tag;  // deliver, get-ok
    std::string consumer_tag;                   // deliver
    // The queue it came from (deliver, get-ok: when the capture holds the Basic.Consume or
    // Basic.Get), or for a publish to the default exchange the queue it is addressed to.
    std::string queue;
    bool redelivered = false;                 // deliver, get-ok
    bool mandatory = false;                   // publish
    std::optional<std::uint16_t> reply_code;  // return
    std::string reply_text;                   // return
    bool has_header = false;                  // false: interrupted before its content header
    amqp::BasicProperties properties;
    std::uint64_t body_size = 0;  // as the content header declared it
    amqp::Bytes body;             // as stored
    MessageStatus status = MessageStatus::complete;

    bool operator==(const Message&) const = default;
};

// Feed every record of the sessions of interest in order (unfiltered: header and body frames
// carry no method); finished messages go to the sink as soon as their last frame is seen.
class MessageAssembler {
public:
    using Sink = std::function<void(Message&&)>;

    explicit MessageAssembler(Sink sink) : m_sink(std::move(sink)) {}

    // An undecodable method or content header is an error; the message it belonged to is
    // handed on as interrupted and assembly goes on.
    amqp::Result<void> add(const SessionInfo& session, const capture::Record& record);
    // Hands on what is still pending as interrupted (the input ended mid-message).
    void finish();

    // Holes in the sequence numbers: frames the capture does not hold, in all and per session.
    std::uint64_t missing_frames() const { return m_missing_frames; }
    const std::map<SessionKey, std::uint64_t>& missing_by_session() const {
        return m_missing_by_session;
    }

private:
    struct Key {
        SessionKey session;
        std::uint16_t channel = 0;
        capture::Direction direction{};
        auto operator<=>(const Key&) const = default;
    };

    struct Pending {
        Message message;
        std::uint64_t received = 0;  // body bytes on the wire so far
    };
    using PendingMap = std::map<Key, Pending>;

    void start(const Key& key, Message message);
    void emit(PendingMap::iterator it, MessageStatus status);
    void interrupt_session(const SessionKey& session);
    void interrupt_direction(const SessionKey& session, capture::Direction direction);
    // Learns which queue each consumer tag and get belongs to; returns the started message.
    std::optional<Message> track(const SessionKey& session, std::uint16_t channel,
                                 const amqp::Method& method);

    using ChannelKey = std::pair<SessionKey, std::uint16_t>;

    Sink m_sink;
    PendingMap m_pending;
    std::map<SessionKey, std::uint64_t> m_next_seq;
    std::map<ChannelKey, std::deque<std::string>> m_consumes_waiting;  // queue per consume-ok
    std::map<ChannelKey, std::deque<std::string>> m_gets_waiting;      // queue per get reply
    std::map<std::pair<SessionKey, std::string>, std::string> m_consumer_queues;
    std::uint64_t m_missing_frames = 0;
    std::map<SessionKey, std::uint64_t> m_missing_by_session;
};

}  // namespace amqpprox::analyze
