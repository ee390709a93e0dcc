#include "driver.hpp"

#include <algorithm>
#include <cmath>

#include "formats/amqp/content.hpp"
#include "formats/amqp/handshake.hpp"
#include "formats/amqp/printer.hpp"

namespace amqpprox::replay {

SessionDriver::SessionDriver(const SessionPlan& plan, const RewriteRules& rules,
                             std::optional<double> speed)
    : m_plan(plan), m_rewriter(rules), m_speed(speed), m_sent_at(plan.steps.size(), 0) {
    // The recording's assignments are known up front; the replay's arrive as it goes.
    for (const auto& f : plan.expected) {
        if (f.type != amqp::FrameType::method) continue;
        if (auto m = amqp::decode_method(f.payload)) m_rewriter.recorded_broker(f.channel, *m);
    }
}

amqp::Bytes SessionDriver::encode_step(const Step& step) {
    amqp::Bytes out;
    amqp::append_method_frame(out, step.channel, m_rewriter.to_replay(step.channel, step.method));
    for (const auto& f : step.content) {
        if (f.type == amqp::FrameType::header) {
            if (auto h = amqp::decode_content_header(f.payload)) {
                h->properties = m_rewriter.to_replay(h->properties);
                amqp::Bytes payload;
                if (amqp::encode_content_header(*h, payload)) {
                    amqp::encode_frame(f.type, f.channel, payload, out);
                    continue;
                }
            }
        }
        if (f.cut()) {
            // The capture kept only the start of this body: send as many bytes as were sent.
            auto padded = f.payload;
            padded.resize(f.size, std::byte{0});
            amqp::encode_frame(f.type, f.channel, padded, out);
        } else {
            amqp::encode_frame(f.type, f.channel, f.payload, out);
        }
    }
    return out;
}

DriverAction SessionDriver::next(std::int64_t elapsed_ns) {
    if (!m_pending_replies.empty()) {
        return {.kind = DriverAction::Kind::send, .bytes = std::exchange(m_pending_replies, {})};
    }
    while (m_next < m_plan.steps.size() && !m_connection_closed) {
        const auto& step = m_plan.steps[m_next];
        // A channel the broker closed on its own takes nothing until the session opens it again.
        if (m_broker_closed[step.channel]) {
            if (!std::holds_alternative<amqp::ChannelOpen>(step.method)) {
                m_notes.push_back("step " + std::to_string(m_next + 1) + " (" +
                                  amqp::to_text(step.method) + ") not sent: channel " +
                                  std::to_string(step.channel) + " was closed by the broker");
                ++m_next;
                continue;
            }
            m_broker_closed[step.channel] = false;
        }
        for (const auto& wait : step.waits) {
            if (m_broker_closed[wait.channel]) continue;  // it will not come: go on
            if (!satisfied(wait, m_progress[wait.channel])) {
                return {.kind = DriverAction::Kind::wait_broker, .wait = wait, .step = m_next};
            }
        }
        if (m_speed) {
            const auto due = static_cast<std::int64_t>(
                std::llround(static_cast<double>(step.offset_ns) / *m_speed));
            if (elapsed_ns < due) {
                return {.kind = DriverAction::Kind::sleep_until, .at_ns = due, .step = m_next};
            }
        }
        DriverAction action{
            .kind = DriverAction::Kind::send, .bytes = encode_step(step), .step = m_next};
        if (step.synchronous) {
            m_sent_at[m_next] = elapsed_ns;
            m_awaiting[step.channel].push_back(m_next);
        }
        ++m_next;
        ++m_sent;
        return action;
    }
    return {.kind = DriverAction::Kind::done, .step = m_next};
}

void SessionDriver::note_reply(std::uint16_t channel, amqp::MethodId id, std::int64_t elapsed_ns) {
    auto& awaiting = m_awaiting[channel];
    if (awaiting.empty()) return;
    const auto& step = m_plan.steps[awaiting.front()];
    const auto& replies = amqp::info(step.method).replies;
    if (std::find(replies.begin(), replies.end(), id) == replies.end()) return;
    if (step.reply_offset_ns) {
        m_latencies.push_back({amqp::info(step.method).display_name,
                               *step.reply_offset_ns - step.offset_ns,
                               elapsed_ns - m_sent_at[awaiting.front()]});
    }
    awaiting.pop_front();
}

void SessionDriver::on_broker_frame(amqp::FrameType type, std::uint16_t channel,
                                    amqp::ByteView payload, std::int64_t elapsed_ns) {
    if (type == amqp::FrameType::heartbeat) return;
    Frame frame{.offset_ns = elapsed_ns,
                .channel = channel,
                .type = type,
                .payload = amqp::Bytes(payload.begin(), payload.end()),
                .size = static_cast<std::uint32_t>(payload.size())};
    if (type == amqp::FrameType::header) {
        // reply-to in recorded terms
        if (auto h = amqp::decode_content_header(payload)) {
            h->properties = m_rewriter.replayed_properties(h->properties);
            amqp::Bytes back;
            if (amqp::encode_content_header(*h, back)) frame.payload = std::move(back);
        }
    }
    if (type == amqp::FrameType::method) {
        auto method = amqp::decode_method(payload);
        if (!method) {
            m_notes.push_back("undecodable broker frame on channel " + std::to_string(channel) +
                              ": " + method.error().message());
        } else {
            m_progress[channel].add(*method);
            note_reply(channel, amqp::method_id(*method), elapsed_ns);
            auto back = m_rewriter.replayed_broker(channel, *method);
            frame.payload.clear();
            (void)amqp::encode_method(back, frame.payload);
            if (std::holds_alternative<amqp::ConnectionClose>(*method)) {
                m_connection_closed = true;
                amqp::append_method_frame(m_pending_replies, 0, amqp::ConnectionCloseOk{});
            } else if (std::holds_alternative<amqp::ChannelClose>(*method)) {
                // Expected when the recording answers it next on this channel.
                bool expected = false;
                for (auto i = m_next; i < m_plan.steps.size(); ++i) {
                    if (m_plan.steps[i].channel != channel) continue;
                    expected = std::holds_alternative<amqp::ChannelCloseOk>(m_plan.steps[i].method);
                    break;
                }
                if (!expected) {
                    m_broker_closed[channel] = true;
                    m_notes.push_back("the broker closed channel " + std::to_string(channel) +
                                      ": " + amqp::to_text(*method));
                    amqp::append_method_frame(m_pending_replies, channel, amqp::ChannelCloseOk{});
                }
            }
        }
    }
    m_received.push_back(std::move(frame));
}

}  // namespace amqpprox::replay
