#include "message_assembler.hpp"

#include <variant>

namespace amqpprox::analyze {
namespace {

using amqp::FrameType;
using capture::Record;

// The message a content-carrying method starts; nullopt for any other method.
std::optional<Message> message_of(const amqp::Method& method) {
    Message m;
    m.method = amqp::method_id(method);
    if (const auto* p = std::get_if<amqp::BasicPublish>(&method)) {
        m.exchange = p->exchange;
        m.routing_key = p->routing_key;
        m.mandatory = p->mandatory;
    } else if (const auto* d = std::get_if<amqp::BasicDeliver>(&method)) {
        m.exchange = d->exchange;
        m.routing_key = d->routing_key;
        m.consumer_tag = d->consumer_tag;
        m.delivery_tag = d->delivery_tag;
        m.redelivered = d->redelivered;
    } else if (const auto* r = std::get_if<amqp::BasicReturn>(&method)) {
        m.exchange = r->exchange;
        m.routing_key = r->routing_key;
        m.reply_code = r->reply_code;
        m.reply_text = r->reply_text;
    } else if (const auto* g = std::get_if<amqp::BasicGetOk>(&method)) {
        m.exchange = g->exchange;
        m.routing_key = g->routing_key;
        m.delivery_tag = g->delivery_tag;
        m.redelivered = g->redelivered;
    } else {
        return std::nullopt;
    }
    return m;
}

bool ends_connection(const amqp::Method& method) {
    return std::holds_alternative<amqp::ConnectionClose>(method) ||
           std::holds_alternative<amqp::ConnectionCloseOk>(method);
}

}  // namespace

std::string_view to_string(MessageStatus status) {
    switch (status) {
        case MessageStatus::complete:
            return "complete";
        case MessageStatus::cut:
            return "cut";
        case MessageStatus::interrupted:
            return "interrupted";
    }
    return "?";
}

amqp::Result<void> MessageAssembler::add(const SessionInfo& session, const Record& r) {
    // A hole in the sequence numbers: whatever was in flight on this session lost frames.
    auto [next, first] = m_next_seq.try_emplace(session.key, r.seq);
    if (!first && r.seq != next->second) {
        if (r.seq > next->second) {
            m_missing_frames += r.seq - next->second;
            m_missing_by_session[session.key] += r.seq - next->second;
        }
        interrupt_session(session.key);
    }
    next->second = r.seq + 1;

    const Key key{session.key, r.channel, r.direction};
    switch (r.type) {
        case FrameType::method: {
            auto method = amqp::decode_method(r.payload);
            if (!method) {
                // Whatever it was, the message in flight on this channel will not go on.
                if (auto it = m_pending.find(key); it != m_pending.end())
                    emit(it, MessageStatus::interrupted);
                return tl::unexpected(method.error());
            }
            // A sender finishes a message before it sends anything else on that channel, so
            // only its own frames can cut it short; the peer's Close may cross it in flight.
            if (ends_connection(*method)) {
                interrupt_direction(session.key, r.direction);
            } else if (auto message = track(session.key, r.channel, *method)) {
                message->session = &session;
                message->direction = r.direction;
                message->channel = r.channel;
                message->start_ns = message->end_ns = r.ts_ns;
                start(key, std::move(*message));
            } else if (auto it = m_pending.find(key); it != m_pending.end()) {
                // Another method on the channel: the content in flight was cut off.
                emit(it, MessageStatus::interrupted);
            }
            return {};
        }
        case FrameType::header: {
            auto it = m_pending.find(key);
            if (it == m_pending.end() || it->second.message.has_header)
                return {};  // stray: no method
            auto header = amqp::decode_content_header(r.payload);
            if (!header) {
                emit(it, MessageStatus::interrupted);
                return tl::unexpected(header.error());
            }
            auto& m = it->second.message;
            m.has_header = true;
            m.properties = std::move(header->properties);
            m.body_size = header->body_size;
            m.end_ns = r.ts_ns;
            if (m.body_size == 0) emit(it, MessageStatus::complete);
            return {};
        }
        case FrameType::body: {
            auto it = m_pending.find(key);
            if (it == m_pending.end() || !it->second.message.has_header) return {};
            auto& m = it->second.message;
            m.body.insert(m.body.end(), r.payload.begin(), r.payload.end());
            m.end_ns = r.ts_ns;
            if (r.payload.size() < r.size) m.status = MessageStatus::cut;
            it->second.received += r.size;
            // More body than the header announced: the frames do not make one message.
            if (it->second.received > m.body_size) {
                emit(it, MessageStatus::interrupted);
            } else if (it->second.received == m.body_size) {
                emit(it, m.status);
            }
            return {};
        }
        default:
            return {};
    }
}

std::optional<Message> MessageAssembler::track(const SessionKey& session, std::uint16_t channel,
                                               const amqp::Method& method) {
    const ChannelKey at{session, channel};
    if (const auto* consume = std::get_if<amqp::BasicConsume>(&method)) {
        if (!consume->consumer_tag.empty())
            m_consumer_queues[{session, consume->consumer_tag}] = consume->queue;
        if (!consume->nowait) m_consumes_waiting[at].push_back(consume->queue);
    } else if (const auto* ok = std::get_if<amqp::BasicConsumeOk>(&method)) {
        if (auto& waiting = m_consumes_waiting[at]; !waiting.empty()) {
            m_consumer_queues[{session, ok->consumer_tag}] = std::move(waiting.front());
            waiting.pop_front();
        }
    } else if (const auto* get = std::get_if<amqp::BasicGet>(&method)) {
        m_gets_waiting[at].push_back(get->queue);
    } else if (std::holds_alternative<amqp::BasicGetEmpty>(method)) {
        if (auto& waiting = m_gets_waiting[at]; !waiting.empty()) waiting.pop_front();
    }
    auto message = message_of(method);
    if (!message) return std::nullopt;
    if (std::holds_alternative<amqp::BasicGetOk>(method)) {
        if (auto& waiting = m_gets_waiting[at]; !waiting.empty()) {
            message->queue = std::move(waiting.front());
            waiting.pop_front();
        }
    } else if (std::holds_alternative<amqp::BasicDeliver>(method)) {
        if (auto it = m_consumer_queues.find({session, message->consumer_tag});
            it != m_consumer_queues.end())
            message->queue = it->second;
    } else if (std::holds_alternative<amqp::BasicPublish>(method) && message->exchange.empty()) {
        message->queue = message->routing_key;
    }
    return message;
}

void MessageAssembler::finish() {
    while (!m_pending.empty())
        emit(m_pending.begin(), MessageStatus::interrupted);
}

void MessageAssembler::start(const Key& key, Message message) {
    if (auto it = m_pending.find(key); it != m_pending.end()) emit(it, MessageStatus::interrupted);
    m_pending.emplace(key, Pending{std::move(message)});
}

void MessageAssembler::emit(PendingMap::iterator it, MessageStatus status) {
    auto message = std::move(it->second.message);
    m_pending.erase(it);
    message.status = status;
    m_sink(std::move(message));
}

void MessageAssembler::interrupt_session(const SessionKey& session) {
    auto it = m_pending.lower_bound(Key{session, 0, {}});
    while (it != m_pending.end() && it->first.session == session) {
        auto next = std::next(it);
        emit(it, MessageStatus::interrupted);
        it = next;
    }
}

void MessageAssembler::interrupt_direction(const SessionKey& session,
                                           capture::Direction direction) {
    auto it = m_pending.lower_bound(Key{session, 0, {}});
    while (it != m_pending.end() && it->first.session == session) {
        auto next = std::next(it);
        if (it->first.direction == direction) emit(it, MessageStatus::interrupted);
        it = next;
    }
}

}  // namespace amqpprox::analyze
