#include "rewriter.hpp"

#include "names.hpp"

namespace amqpprox::replay {

namespace {

constexpr std::string_view kRuleForms =
    "accepted: --rewrite exchange:OLD=NEW or --rewrite queue:OLD=NEW";

bool reserved(std::string_view name) {
    return name.empty() || name.starts_with("amq.");
}

std::string lookup(const std::map<std::string, std::string>& map, std::string_view key) {
    const auto it = map.find(std::string(key));
    return it == map.end() ? std::string(key) : it->second;
}

}  // namespace

tl::expected<void, std::string> add_rewrite_rule(RewriteRules& rules, std::string_view text) {
    const auto colon = text.find(':');
    const auto equals = text.find('=', colon == std::string_view::npos ? 0 : colon);
    if (colon == std::string_view::npos || equals == std::string_view::npos) {
        return tl::unexpected("bad --rewrite '" + std::string(text) +
                              "': " + std::string(kRuleForms));
    }
    const auto kind = text.substr(0, colon);
    const auto old_name = std::string(text.substr(colon + 1, equals - colon - 1));
    const auto new_name = std::string(text.substr(equals + 1));
    if (old_name.empty() || new_name.empty()) {
        return tl::unexpected("bad --rewrite '" + std::string(text) +
                              "': both names must be given (the default exchange and "
                              "server-named queues are not rewritten); " +
                              std::string(kRuleForms));
    }
    if (kind == "exchange") {
        rules.exchanges[old_name] = new_name;
    } else if (kind == "queue") {
        rules.queues[old_name] = new_name;
    } else {
        return tl::unexpected("bad --rewrite '" + std::string(text) + "': unknown kind '" +
                              std::string(kind) + "'; " + std::string(kRuleForms));
    }
    return {};
}

tl::expected<void, std::string> add_vhost_map(RewriteRules& rules, std::string_view text) {
    const auto equals = text.find('=');
    if (equals == std::string_view::npos || equals == 0 || equals + 1 == text.size()) {
        return tl::unexpected("bad --vhost-map '" + std::string(text) +
                              "': accepted: --vhost-map OLD=NEW (for example /=test)");
    }
    rules.vhosts[std::string(text.substr(0, equals))] = std::string(text.substr(equals + 1));
    return {};
}

std::string Rewriter::vhost(std::string_view recorded) const {
    return lookup(m_rules.vhosts, recorded);
}

std::string Rewriter::exchange(std::string_view recorded) const {
    if (const auto it = m_rules.exchanges.find(std::string(recorded));
        it != m_rules.exchanges.end()) {
        return it->second;
    }
    if (reserved(recorded)) return std::string(recorded);
    return m_rules.prefix + std::string(recorded);
}

std::string Rewriter::queue(std::string_view recorded) const {
    if (const auto it = m_queues.find(std::string(recorded)); it != m_queues.end()) {
        return it->second;
    }
    if (const auto it = m_rules.queues.find(std::string(recorded)); it != m_rules.queues.end()) {
        return it->second;
    }
    if (reserved(recorded)) return std::string(recorded);
    return m_rules.prefix + std::string(recorded);
}

std::string Rewriter::consumer_tag(std::string_view recorded) const {
    return lookup(m_tags, recorded);
}

std::string Rewriter::queue_back(std::string_view replayed) const {
    if (const auto it = m_queues_back.find(std::string(replayed)); it != m_queues_back.end()) {
        return it->second;
    }
    for (const auto& [old_name, new_name] : m_rules.queues) {
        if (new_name == replayed) return old_name;
    }
    if (!m_rules.prefix.empty() && replayed.starts_with(m_rules.prefix)) {
        return std::string(replayed.substr(m_rules.prefix.size()));
    }
    return std::string(replayed);
}

std::string Rewriter::exchange_back(std::string_view replayed) const {
    for (const auto& [old_name, new_name] : m_rules.exchanges) {
        if (new_name == replayed) return old_name;
    }
    if (!m_rules.prefix.empty() && replayed.starts_with(m_rules.prefix)) {
        return std::string(replayed.substr(m_rules.prefix.size()));
    }
    return std::string(replayed);
}

void Rewriter::learn(Side& side, std::uint16_t channel, const amqp::Method& method) {
    std::visit(
        [&](const auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, amqp::ChannelOpenOk>) {
                ++side.epochs[channel];
            } else if constexpr (std::is_same_v<T, amqp::QueueDeclareOk>) {
                side.declared[channel].push_back(m.queue);
            } else if constexpr (std::is_same_v<T, amqp::BasicConsumeOk>) {
                side.consumed[channel].push_back(m.consumer_tag);
            } else if constexpr (std::is_same_v<T, amqp::BasicDeliver> ||
                                 std::is_same_v<T, amqp::BasicGetOk>) {
                auto& d = side.deliveries[{channel, side.epochs[channel]}];
                d.index.emplace(m.delivery_tag, d.tags.size());
                d.tags.push_back(m.delivery_tag);
            }
        },
        method);
    if (std::holds_alternative<amqp::QueueDeclareOk>(method) ||
        std::holds_alternative<amqp::BasicConsumeOk>(method)) {
        pair_names(channel);
    }
}

// The n-th declare-ok (consume-ok) of a channel in the recording answers the same request as
// the n-th in the replay.
void Rewriter::pair_names(std::uint16_t channel) {
    const auto& rq = m_recorded.declared[channel];
    const auto& pq = m_replayed.declared[channel];
    for (std::size_t i = 0; i < rq.size() && i < pq.size(); ++i) {
        if (is_server_named_queue(rq[i]) && rq[i] != pq[i]) {
            m_queues[rq[i]] = pq[i];
            m_queues_back[pq[i]] = rq[i];
        }
    }
    const auto& rt = m_recorded.consumed[channel];
    const auto& pt = m_replayed.consumed[channel];
    for (std::size_t i = 0; i < rt.size() && i < pt.size(); ++i) {
        if (rt[i] != pt[i]) {
            m_tags[rt[i]] = pt[i];
            m_tags_back[pt[i]] = rt[i];
        }
    }
}

std::uint64_t Rewriter::delivery_tag(const Side& from, const Side& to, std::uint16_t channel,
                                     std::uint64_t tag) const {
    // Both sides are at the replay's current opening of the channel.
    const auto epoch_it = m_replayed.epochs.find(channel);
    const ChannelEpoch key{channel, epoch_it == m_replayed.epochs.end() ? 0 : epoch_it->second};
    const auto f = from.deliveries.find(key);
    const auto t = to.deliveries.find(key);
    if (f == from.deliveries.end() || t == to.deliveries.end()) return tag;
    const auto at = f->second.index.find(tag);
    if (at == f->second.index.end() || at->second >= t->second.tags.size()) return tag;
    return t->second.tags[at->second];
}

void Rewriter::recorded_broker(std::uint16_t channel, const amqp::Method& method) {
    // The recording's epochs advance as its frames are fed, independently of the replay.
    learn(m_recorded, channel, method);
}

amqp::Method Rewriter::replayed_broker(std::uint16_t channel, const amqp::Method& method) {
    learn(m_replayed, channel, method);
    auto back = method;
    for_each_name(back, [&](NameKind kind, std::string& name) {
        switch (kind) {
            case NameKind::queue:
                name = queue_back(name);
                break;
            case NameKind::exchange:
                name = exchange_back(name);
                break;
            case NameKind::consumer_tag:
                name = lookup(m_tags_back, name);
                break;
        }
    });
    if (is_delivery(back)) {
        auto* tag = replay::delivery_tag(back);
        *tag = delivery_tag(m_replayed, m_recorded, channel, *tag);
    }
    return back;
}

amqp::BasicProperties Rewriter::replayed_properties(const amqp::BasicProperties& properties) const {
    auto back = properties;
    if (back.reply_to) back.reply_to = queue_back(*back.reply_to);
    return back;
}

amqp::Method Rewriter::to_replay(std::uint16_t channel, const amqp::Method& method) const {
    auto out = method;
    for_each_name(out, [&](NameKind kind, std::string& name) {
        switch (kind) {
            case NameKind::queue:
                name = queue(name);
                break;
            case NameKind::exchange:
                name = exchange(name);
                break;
            case NameKind::consumer_tag:
                name = consumer_tag(name);
                break;
        }
    });
    if (is_settlement(out)) {
        auto* tag = replay::delivery_tag(out);
        if (*tag != 0) *tag = delivery_tag(m_recorded, m_replayed, channel, *tag);
    }
    return out;
}

amqp::BasicProperties Rewriter::to_replay(const amqp::BasicProperties& properties) const {
    auto out = properties;
    if (out.reply_to) out.reply_to = queue(*out.reply_to);
    return out;
}

}  // namespace amqpprox::replay
