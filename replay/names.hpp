// The arguments of client methods that name broker resources, in one place, so the planner
// (which waits for server-assigned names) and the rewriter (which maps them) agree.
#pragma once

#include <string>
#include <variant>

#include "formats/amqp/methods.hpp"

namespace amqpprox::replay {

enum class NameKind : std::uint8_t { queue, exchange, consumer_tag };

// Calls visit(NameKind, std::string&) for each argument of `method` that names a queue, an
// exchange or a consumer tag. A publish to the default exchange names its queue in the
// routing key, so that routing key counts as a queue name.
template <typename Visit>
void for_each_name(amqp::Method& method, Visit&& visit) {
    using K = NameKind;
    std::visit(
        [&](auto& m) {
            using T = std::decay_t<decltype(m)>;
            using namespace amqp;
            if constexpr (std::is_same_v<T, ExchangeDeclare> || std::is_same_v<T, ExchangeDelete>) {
                visit(K::exchange, m.exchange);
            } else if constexpr (std::is_same_v<T, ExchangeBind> ||
                                 std::is_same_v<T, ExchangeUnbind>) {
                visit(K::exchange, m.destination);
                visit(K::exchange, m.source);
            } else if constexpr (std::is_same_v<T, QueueDeclare> || std::is_same_v<T, QueuePurge> ||
                                 std::is_same_v<T, QueueDelete> || std::is_same_v<T, BasicGet>) {
                visit(K::queue, m.queue);
            } else if constexpr (std::is_same_v<T, QueueBind> || std::is_same_v<T, QueueUnbind>) {
                visit(K::queue, m.queue);
                visit(K::exchange, m.exchange);
            } else if constexpr (std::is_same_v<T, QueueDeclareOk>) {
                visit(K::queue, m.queue);
            } else if constexpr (std::is_same_v<T, BasicConsume>) {
                visit(K::queue, m.queue);
                visit(K::consumer_tag, m.consumer_tag);
            } else if constexpr (std::is_same_v<T, BasicCancel> ||
                                 std::is_same_v<T, BasicCancelOk> ||
                                 std::is_same_v<T, BasicConsumeOk>) {
                visit(K::consumer_tag, m.consumer_tag);
            } else if constexpr (std::is_same_v<T, BasicPublish>) {
                visit(K::exchange, m.exchange);
                if (m.exchange.empty()) visit(K::queue, m.routing_key);
            } else if constexpr (std::is_same_v<T, BasicDeliver>) {
                visit(K::consumer_tag, m.consumer_tag);
                visit(K::exchange, m.exchange);
                if (m.exchange.empty()) visit(K::queue, m.routing_key);
            } else if constexpr (std::is_same_v<T, BasicGetOk> || std::is_same_v<T, BasicReturn>) {
                visit(K::exchange, m.exchange);
                if (m.exchange.empty()) visit(K::queue, m.routing_key);
            }
        },
        method);
}

// The delivery tag of a deliver or get-ok, and of an ack, nack or reject.
inline std::uint64_t* delivery_tag(amqp::Method& method) {
    if (auto* m = std::get_if<amqp::BasicDeliver>(&method)) return &m->delivery_tag;
    if (auto* m = std::get_if<amqp::BasicGetOk>(&method)) return &m->delivery_tag;
    if (auto* m = std::get_if<amqp::BasicAck>(&method)) return &m->delivery_tag;
    if (auto* m = std::get_if<amqp::BasicNack>(&method)) return &m->delivery_tag;
    if (auto* m = std::get_if<amqp::BasicReject>(&method)) return &m->delivery_tag;
    return nullptr;
}

inline bool is_delivery(const amqp::Method& method) {
    return std::holds_alternative<amqp::BasicDeliver>(method) ||
           std::holds_alternative<amqp::BasicGetOk>(method);
}

inline bool is_settlement(const amqp::Method& method) {
    return std::holds_alternative<amqp::BasicAck>(method) ||
           std::holds_alternative<amqp::BasicNack>(method) ||
           std::holds_alternative<amqp::BasicReject>(method);
}

// Queues the broker names: declared with an empty name, or RabbitMQ's generated names.
inline bool is_server_named_queue(std::string_view name) {
    return name.starts_with("amq.gen-");
}

}  // namespace amqpprox::replay
