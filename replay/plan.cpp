#include "plan.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "formats/amqp/content.hpp"
#include "names.hpp"

namespace amqpprox::replay {

std::string_view to_string(WaitReason reason) {
    switch (reason) {
        case WaitReason::reply:
            return "reply";
        case WaitReason::delivery:
            return "delivery";
        case WaitReason::server_name:
            return "server-name";
        case WaitReason::close:
            return "close";
        case WaitReason::order:
            return "order";
        case WaitReason::confirm:
            return "confirm";
    }
    return "?";
}

void ChannelProgress::add(const amqp::Method& method) {
    ++m_counts[amqp::method_id(method).key()];
    if (const auto* ack = std::get_if<amqp::BasicAck>(&method)) {
        m_confirmed = std::max(m_confirmed, ack->delivery_tag);
    } else if (const auto* nack = std::get_if<amqp::BasicNack>(&method)) {
        m_confirmed = std::max(m_confirmed, nack->delivery_tag);
    }
}

std::uint64_t ChannelProgress::count(amqp::MethodId id) const {
    const auto it = m_counts.find(id.key());
    return it == m_counts.end() ? 0 : it->second;
}

bool satisfied(const Wait& wait, const ChannelProgress& progress) {
    if (wait.reason == WaitReason::confirm) return progress.confirmed() >= wait.ordinal;
    std::uint64_t seen = 0;
    for (const auto& id : wait.methods)
        seen += progress.count(id);
    return seen >= wait.ordinal;
}

namespace {

using amqp::MethodId;

bool has_nowait(const amqp::Method& method) {
    bool nowait = false;
    std::visit(
        [&](const auto& m) {
            amqp::visit_fields(m, [&](auto, std::string_view name, const auto& value) {
                if constexpr (std::is_same_v<std::decay_t<decltype(value)>, bool>) {
                    if (name == "nowait") nowait = value;
                }
            });
        },
        method);
    return nowait;
}

// What a synchronous request still waits for in the recording.
struct Outstanding {
    std::size_t step = 0;  // index of the request among the steps
    std::vector<MethodId> replies;
    bool names_queue = false;  // queue.declare of a server-named queue
    bool names_tag = false;    // basic.consume with an empty consumer tag
};

// Walks one session's records and builds its plan.
class SessionPlanner {
public:
    explicit SessionPlanner(SessionPlan& plan) : m_plan(plan) {}

    void add(const capture::Record& record) {
        if (record.seq != m_next_seq && m_next_seq != 0) {
            m_plan.warnings.push_back("frames " + std::to_string(m_next_seq) + "-" +
                                      std::to_string(record.seq - 1) +
                                      " are missing from the capture");
        }
        m_next_seq = record.seq + 1;
        if (record.type == amqp::FrameType::heartbeat ||
            record.type == amqp::FrameType::protocol_header) {
            return;
        }
        const auto offset = record.ts_ns - m_plan.start_ns;
        if (record.direction == capture::Direction::broker_to_client)
            broker(record, offset);
        else
            client(record, offset);
    }

private:
    void broker(const capture::Record& record, std::int64_t offset) {
        std::optional<amqp::Method> method;
        if (record.type == amqp::FrameType::method) {
            auto decoded = amqp::decode_method(record.payload);
            if (!decoded) {
                m_plan.warnings.push_back("broker frame " + std::to_string(record.seq) +
                                          " does not decode: " + decoded.error().message());
                return;
            }
            method = std::move(*decoded);
            if (std::holds_alternative<amqp::ConnectionClose>(*method) ||
                std::holds_alternative<amqp::ConnectionCloseOk>(*method)) {
                m_closed = true;
            }
        }
        if (!m_open_ok) {
            if (method && std::holds_alternative<amqp::ConnectionOpenOk>(*method)) {
                m_open_ok = true;
                m_plan.handshake_complete = m_client_open;
            }
            return;
        }
        m_plan.expected.push_back(frame_of(record, offset));
        if (method) learn(record.channel, *method, offset);
    }

    // Counts the broker method and settles what the recording waited for with it.
    void learn(std::uint16_t channel, amqp::Method& method, std::int64_t offset) {
        const auto id = amqp::method_id(method);
        ++m_counts[{channel, id.key()}];
        // Broker acks and nacks are publisher confirms: the client never receives others.
        const auto* ack = std::get_if<amqp::BasicAck>(&method);
        const auto* nack = std::get_if<amqp::BasicNack>(&method);
        if (ack != nullptr || nack != nullptr) {
            const auto tag = ack != nullptr ? ack->delivery_tag : nack->delivery_tag;
            auto& confirmed = m_confirmed[channel];
            if (tag > confirmed) {
                confirmed = tag;
                m_last_confirm[channel] = {WaitReason::confirm,
                                           channel,
                                           {amqp::BasicAck::id, amqp::BasicNack::id},
                                           tag,
                                           "publish " + std::to_string(tag)};
            }
        }
        if (is_delivery(method)) {
            auto& n = m_deliveries[channel];
            ++n;
            m_delivery_ordinal[{channel, *delivery_tag(method)}] = n;
        }
        if (std::holds_alternative<amqp::ChannelClose>(method) ||
            std::holds_alternative<amqp::ConnectionClose>(method)) {
            m_pending[channel] = make_wait(WaitReason::close, channel, {id}, "");
        }
        auto& outstanding = m_outstanding[channel];
        if (outstanding.empty()) return;
        const auto& front = outstanding.front();
        if (std::find(front.replies.begin(), front.replies.end(), id) == front.replies.end()) {
            return;
        }
        auto wait = make_wait(WaitReason::reply, channel, front.replies, "");
        if (front.names_queue) {
            if (auto* ok = std::get_if<amqp::QueueDeclareOk>(&method)) {
                auto named = wait;
                named.reason = WaitReason::server_name;
                named.detail = "queue " + ok->queue;
                m_names[{NameKind::queue, ok->queue}] = named;
            }
        }
        if (front.names_tag) {
            if (auto* ok = std::get_if<amqp::BasicConsumeOk>(&method)) {
                auto named = wait;
                named.reason = WaitReason::server_name;
                named.detail = "consumer-tag " + ok->consumer_tag;
                m_names[{NameKind::consumer_tag, ok->consumer_tag}] = named;
            }
        }
        auto order = wait;
        order.reason = WaitReason::order;
        m_last_reply[channel] = order;
        m_plan.steps[front.step].reply_offset_ns = offset;
        outstanding.pop_front();
        // Replies come in order, so waiting for the last one waits for all before it.
        if (outstanding.empty()) m_pending[channel] = wait;
    }

    Wait make_wait(WaitReason reason, std::uint16_t channel, std::vector<MethodId> methods,
                   std::string detail) const {
        std::uint64_t ordinal = 0;
        for (const auto& id : methods) {
            const auto it = m_counts.find({channel, id.key()});
            if (it != m_counts.end()) ordinal += it->second;
        }
        return {reason, channel, std::move(methods), ordinal, std::move(detail)};
    }

    void client(const capture::Record& record, std::int64_t offset) {
        if (record.type != amqp::FrameType::method) {
            // (d) content frames go with the method before them.
            if (m_client_open && !m_plan.steps.empty() &&
                m_plan.steps.back().channel == record.channel) {
                auto& step = m_plan.steps.back();
                step.content.push_back(frame_of(record, offset));
                // A reply-to naming a server-named queue needs that name first, too.
                if (record.type == amqp::FrameType::header) {
                    const auto header = amqp::decode_content_header(record.payload);
                    if (header && header->properties.reply_to) {
                        const auto it =
                            m_names.find({NameKind::queue, *header->properties.reply_to});
                        if (it != m_names.end()) add_wait(step, it->second);
                    }
                }
            } else if (m_client_open) {
                m_plan.warnings.push_back("content frame " + std::to_string(record.seq) +
                                          " follows no method on its channel: left out");
            }
            return;
        }
        auto decoded = amqp::decode_method(record.payload);
        if (!decoded) {
            m_plan.warnings.push_back("client frame " + std::to_string(record.seq) +
                                      " does not decode: " + decoded.error().message());
            return;
        }
        auto& method = *decoded;
        if (std::holds_alternative<amqp::ConnectionClose>(method) ||
            std::holds_alternative<amqp::ConnectionCloseOk>(method)) {
            m_closed = true;
        }
        // The replayer does its own handshake: everything up to the client's Open is its.
        if (!m_client_open) {
            if (std::holds_alternative<amqp::ConnectionOpen>(method)) {
                m_client_open = true;
                m_plan.handshake_complete = m_open_ok;
            }
            return;
        }
        if (std::holds_alternative<amqp::ConnectionUpdateSecret>(method)) {
            m_plan.warnings.push_back("connection.update-secret (frame " +
                                      std::to_string(record.seq) +
                                      ") is not replayed: its secret is redacted");
            return;
        }

        Step step{.seq = record.seq, .offset_ns = offset, .channel = record.channel};
        const auto channel = record.channel;
        // (a) the reply to the channel's last synchronous request, when it had come.
        if (auto it = m_pending.find(channel); it != m_pending.end()) {
            step.waits.push_back(it->second);
            m_pending.erase(it);
        }
        // Replies on other channels since this channel last waited for them.
        // Confirms on its own channel gate all but publishes (a get or a close after the
        // confirms the client waited for): publishes stay pipelined, as fast publishers
        // send them, and their own channel's order is the broker's.
        const bool is_publish = std::holds_alternative<amqp::BasicPublish>(method);
        for (const auto* last : {&m_last_reply, &m_last_confirm}) {
            auto& added_map = last == &m_last_reply ? m_order_added : m_confirm_added;
            for (const auto& [other, wait] : *last) {
                const bool own_confirm = last == &m_last_confirm && !is_publish;
                if (other == channel && !own_confirm) continue;
                auto& added = added_map[{channel, other}];
                if (added == wait) continue;
                added = wait;
                add_wait(step, wait);
            }
        }
        // (b) the delivery being settled (with multiple: the highest tag).
        if (is_settlement(method)) settle_wait(channel, *delivery_tag(method), step);
        // (c) the replies that named the server-named queues and consumer tags it uses.
        auto copy = method;
        for_each_name(copy, [&](NameKind kind, std::string& name) {
            if (kind == NameKind::exchange) return;
            const auto it = m_names.find({kind, name});
            if (it != m_names.end()) add_wait(step, it->second);
        });
        if (const auto& info = amqp::info(method); info.synchronous && !has_nowait(method)) {
            step.synchronous = true;
            Outstanding o{.step = m_plan.steps.size(), .replies = info.replies};
            if (auto* declare = std::get_if<amqp::QueueDeclare>(&method)) {
                o.names_queue = declare->queue.empty() || is_server_named_queue(declare->queue);
            }
            if (auto* consume = std::get_if<amqp::BasicConsume>(&method)) {
                o.names_tag = consume->consumer_tag.empty();
            }
            m_outstanding[channel].push_back(std::move(o));
        }
        step.method = std::move(method);
        m_plan.steps.push_back(std::move(step));
    }

    void settle_wait(std::uint16_t channel, std::uint64_t tag, Step& step) {
        if (tag == 0) {  // multiple with tag 0: everything delivered so far
            const auto n = m_deliveries[channel];
            if (n == 0) return;
            add_wait(step, make_delivery_wait(channel, n, "all deliveries"));
            return;
        }
        const auto it = m_delivery_ordinal.find({channel, tag});
        if (it == m_delivery_ordinal.end()) {
            m_plan.warnings.push_back("delivery-tag " + std::to_string(tag) + " on channel " +
                                      std::to_string(channel) +
                                      " is settled but was not delivered in the recording");
            return;
        }
        add_wait(step,
                 make_delivery_wait(channel, it->second, "delivery-tag " + std::to_string(tag)));
    }

    static Wait make_delivery_wait(std::uint16_t channel, std::uint64_t ordinal,
                                   std::string detail) {
        return {WaitReason::delivery,
                channel,
                {amqp::BasicDeliver::id, amqp::BasicGetOk::id},
                ordinal,
                std::move(detail)};
    }

    // One wait per awaited frame; the server-name reason says more than the plain reply.
    static void add_wait(Step& step, const Wait& wait) {
        for (auto& w : step.waits) {
            if (w.channel == wait.channel && w.methods == wait.methods &&
                w.ordinal == wait.ordinal) {
                if (wait.reason == WaitReason::server_name) w = wait;
                return;
            }
        }
        step.waits.push_back(wait);
    }

    static Frame frame_of(const capture::Record& record, std::int64_t offset) {
        return {.offset_ns = offset,
                .channel = record.channel,
                .type = record.type,
                .payload = record.payload,
                .size = record.size};
    }

public:
    bool closed() const { return m_closed; }

private:
    SessionPlan& m_plan;
    std::uint64_t m_next_seq = 0;
    bool m_closed = false;
    bool m_client_open = false;  // the client's Connection.Open: its later frames are steps
    bool m_open_ok = false;      // the broker's Open-Ok: its later frames are expected
    std::map<std::pair<std::uint16_t, std::uint32_t>, std::uint64_t> m_counts;
    std::map<std::uint16_t, std::uint64_t> m_deliveries;
    std::map<std::pair<std::uint16_t, std::uint64_t>, std::uint64_t> m_delivery_ordinal;
    std::map<std::uint16_t, std::deque<Outstanding>> m_outstanding;
    std::map<std::uint16_t, Wait> m_pending;
    std::map<std::pair<NameKind, std::string>, Wait> m_names;
    std::map<std::uint16_t, Wait> m_last_reply;  // the latest synchronous reply per channel
    // (channel, other channel) -> the other's reply the channel last waited for
    std::map<std::pair<std::uint16_t, std::uint16_t>, Wait> m_order_added;
    std::map<std::uint16_t, std::uint64_t> m_confirmed;  // highest confirm per channel
    std::map<std::uint16_t, Wait> m_last_confirm;
    std::map<std::pair<std::uint16_t, std::uint16_t>, Wait> m_confirm_added;
};

}  // namespace

SessionPlan plan_session(const analyze::SessionInfo& session,
                         const std::vector<capture::Record>& records) {
    SessionPlan plan{.key = session.key,
                     .label = session.label,
                     .vhost = session.row.vhost,
                     .start_ns = session.row.start.start_ns};
    SessionPlanner planner(plan);
    for (const auto& record : records)
        planner.add(record);
    plan.cut = !planner.closed();
    if (plan.cut) plan.warnings.push_back("the recording ends without a Connection.Close");
    if (session.row.frames_lost > 0) {
        plan.warnings.push_back(std::to_string(session.row.frames_lost) +
                                " frames were lost by the recorder");
    }
    return plan;
}

tl::expected<Plan, std::string> build_plan(const analyze::InputSet& inputs,
                                           const analyze::Selection& selection) {
    // Frame filters choose sessions; the sessions themselves are replayed whole.
    std::set<analyze::SessionKey> chosen;
    if (selection.frame_filters()) {
        inputs.for_each(selection, [&](const analyze::SessionInfo& s, const capture::Record&) {
            chosen.insert(s.key);
            return true;
        });
    } else {
        for (const auto* s : inputs.selected_sessions(selection))
            chosen.insert(s->key);
    }
    if (chosen.empty()) return tl::unexpected(std::string("no session matches the filters"));

    analyze::Selection whole;
    whole.sessions.assign(chosen.begin(), chosen.end());
    std::map<analyze::SessionKey, std::vector<capture::Record>> records;
    inputs.for_each(whole, [&](const analyze::SessionInfo& s, const capture::Record& r) {
        records[s.key].push_back(r);
        return true;
    });

    Plan plan;
    for (const auto& key : chosen) {
        const auto* info = inputs.find(key);
        if (info == nullptr) continue;
        auto& rs = records[key];
        std::stable_sort(rs.begin(), rs.end(),
                         [](const auto& a, const auto& b) { return a.seq < b.seq; });
        plan.sessions.push_back(plan_session(*info, rs));
    }
    std::stable_sort(plan.sessions.begin(), plan.sessions.end(),
                     [](const auto& a, const auto& b) { return a.start_ns < b.start_ns; });
    const auto first = plan.sessions.front().start_ns;
    for (auto& s : plan.sessions)
        s.start_offset_ns = s.start_ns - first;
    return plan;
}

}  // namespace amqpprox::replay
