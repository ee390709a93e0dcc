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
    plan_confirm_latencies();
}

namespace {

constexpr std::string_view kConfirmLatency = "Basic.Publish confirm";

// A broker Basic.Ack or Basic.Nack: on a channel in confirm mode, a publisher confirm.
std::optional<std::pair<std::uint64_t, bool>> confirm_of(const amqp::Method& method) {
    if (const auto* ack = std::get_if<amqp::BasicAck>(&method))
        return std::pair{ack->delivery_tag, ack->multiple};
    if (const auto* nack = std::get_if<amqp::BasicNack>(&method))
        return std::pair{nack->delivery_tag, nack->multiple};
    return std::nullopt;
}

}  // namespace

// The recording's publish-to-confirm latencies, keyed so the replay's confirms find them.
void SessionDriver::plan_confirm_latencies() {
    std::map<std::uint16_t, ConfirmChannel> channels;
    // Channel.Open offsets per channel: which opening a recorded confirm belongs to.
    std::map<std::uint16_t, std::vector<std::int64_t>> openings;
    std::map<PublishKey, std::int64_t> published_at;
    for (const auto& step : m_plan.steps) {
        auto& c = channels[step.channel];
        if (std::holds_alternative<amqp::ChannelOpen>(step.method)) {
            c = {.opening = c.opening + 1};
            openings[step.channel].push_back(step.offset_ns);
        } else if (std::holds_alternative<amqp::ConfirmSelect>(step.method)) {
            c.confirming = true;
        } else if (c.confirming && std::holds_alternative<amqp::BasicPublish>(step.method)) {
            published_at[{step.channel, c.opening, ++c.published}] = step.offset_ns;
        }
    }
    for (const auto& f : m_plan.expected) {
        if (f.type != amqp::FrameType::method) continue;
        const auto method = amqp::decode_method(f.payload);
        if (!method) continue;
        const auto confirm = confirm_of(*method);
        if (!confirm) continue;
        const auto& opened = openings[f.channel];
        const auto opening = static_cast<std::uint32_t>(
            std::upper_bound(opened.begin(), opened.end(), f.offset_ns) - opened.begin());
        const auto [tag, multiple] = *confirm;
        auto it = published_at.lower_bound({f.channel, opening, multiple ? 1 : tag});
        while (it != published_at.end() && it->first <= PublishKey{f.channel, opening, tag}) {
            m_recorded_confirm[it->first] = f.offset_ns - it->second;
            it = published_at.erase(it);
        }
    }
}

void SessionDriver::note_sent(const Step& step, std::int64_t elapsed_ns) {
    auto& c = m_confirms[step.channel];
    if (std::holds_alternative<amqp::ChannelOpen>(step.method)) {
        c = {.opening = c.opening + 1};
    } else if (std::holds_alternative<amqp::ConfirmSelect>(step.method)) {
        c.confirming = true;
    } else if (c.confirming && std::holds_alternative<amqp::BasicPublish>(step.method)) {
        c.unconfirmed[++c.published] = elapsed_ns;
    }
}

void SessionDriver::note_confirm(std::uint16_t channel, std::uint64_t tag, bool multiple,
                                 std::int64_t elapsed_ns) {
    auto& c = m_confirms[channel];
    if (!c.confirming) return;
    auto it = c.unconfirmed.lower_bound(multiple ? 1 : tag);
    while (it != c.unconfirmed.end() && it->first <= tag) {
        const auto recorded = m_recorded_confirm.find({channel, c.opening, it->first});
        if (recorded != m_recorded_confirm.end()) {
            m_latencies.push_back(
                {std::string(kConfirmLatency), recorded->second, elapsed_ns - it->second});
        }
        it = c.unconfirmed.erase(it);
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
        note_sent(step, elapsed_ns);
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
            if (const auto confirm = confirm_of(*method))
                note_confirm(channel, confirm->first, confirm->second, elapsed_ns);
            auto back = m_rewriter.replayed_broker(channel, *method);
            frame.payload.clear();
            (void)amqp::encode_method(back, frame.payload);
            if (std::holds_alternative<amqp::ConnectionCloseOk>(*method)) m_close_ok = true;
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
