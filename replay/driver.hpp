// The replay of one session after its handshake, as a state machine without I/O: it says
// what to send next and when, and takes the broker's frames as they come. The asio runner
// moves the bytes and keeps the clock; tests drive it by hand.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "formats/amqp/frame.hpp"
#include "latency.hpp"
#include "plan.hpp"
#include "rewriter.hpp"

namespace amqpprox::replay {

struct DriverAction {
    enum class Kind : std::uint8_t {
        send,         // write `bytes`, then ask again
        sleep_until,  // pacing: nothing to do before `at_ns` (elapsed time of the session)
        wait_broker,  // `wait` has not come yet: ask again when a broker frame arrives
        done,         // every step is out
    };
    Kind kind = Kind::done;
    amqp::Bytes bytes;
    std::int64_t at_ns = 0;
    std::optional<Wait> wait;
    std::size_t step = 0;  // the step concerned (send, sleep, wait)
};

class SessionDriver {
public:
    // speed: nullopt as fast as the waits allow, else recorded offsets divided by it.
    SessionDriver(const SessionPlan& plan, const RewriteRules& rules, std::optional<double> speed);

    // What to do at `elapsed_ns` after the session's replay started.
    DriverAction next(std::int64_t elapsed_ns);
    // A broker frame after the handshake, as received.
    void on_broker_frame(amqp::FrameType type, std::uint16_t channel, amqp::ByteView payload,
                         std::int64_t elapsed_ns);

    // Broker frames so far, in recorded terms, for the diff.
    const std::vector<Frame>& received() const { return m_received; }
    // The broker closed the connection (its Connection.Close): nothing more can be sent.
    bool connection_closed() const { return m_connection_closed; }
    // The broker answered the session's own Connection.Close: it will send nothing more,
    // whether or not as many frames came as the recording holds (grouped confirms).
    bool close_ok_received() const { return m_close_ok; }
    // Why steps were left out (a channel the broker closed, undecodable frames).
    const std::vector<std::string>& notes() const { return m_notes; }
    std::size_t steps_sent() const { return m_sent; }
    // Each synchronous request answered both in the recording and in the replay, and each
    // publish confirmed in both ("Basic.Publish confirm": publish to the ack or nack).
    const std::vector<LatencySample>& latencies() const { return m_latencies; }

private:
    amqp::Bytes encode_step(const Step& step);
    void note_reply(std::uint16_t channel, amqp::MethodId id, std::int64_t elapsed_ns);
    void plan_confirm_latencies();
    void note_sent(const Step& step, std::int64_t elapsed_ns);
    void note_confirm(std::uint16_t channel, std::uint64_t tag, bool multiple,
                      std::int64_t elapsed_ns);

    // Publisher confirms: a publish is (channel, opening of the channel, sequence number).
    using PublishKey = std::tuple<std::uint16_t, std::uint32_t, std::uint64_t>;
    struct ConfirmChannel {
        std::uint32_t opening = 0;  // Channel.Open steps so far
        bool confirming = false;    // Confirm.Select sent since
        std::uint64_t published = 0;
        std::map<std::uint64_t, std::int64_t> unconfirmed;  // sequence number -> sent at
    };

    const SessionPlan& m_plan;
    Rewriter m_rewriter;
    std::optional<double> m_speed;
    std::size_t m_next = 0;
    std::size_t m_sent = 0;
    std::map<std::uint16_t, ChannelProgress> m_progress;  // received per channel
    std::map<std::uint16_t, bool> m_broker_closed;        // channels the broker closed on its own
    bool m_connection_closed = false;
    bool m_close_ok = false;
    amqp::Bytes m_pending_replies;  // Close-Ok for a channel the broker closed unexpectedly
    std::vector<Frame> m_received;
    std::vector<std::int64_t> m_sent_at;                          // per step, when it went out
    std::map<std::uint16_t, std::deque<std::size_t>> m_awaiting;  // requests without reply
    std::vector<LatencySample> m_latencies;
    std::map<PublishKey, std::int64_t> m_recorded_confirm;  // publish -> recorded latency
    std::map<std::uint16_t, ConfirmChannel> m_confirms;     // replayed

    std::vector<std::string> m_notes;
};

}  // namespace amqpprox::replay
