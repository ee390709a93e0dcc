// Maps the names and numbers of a recorded session to those of its replay: what the broker
// assigns (server-named queues, generated consumer tags, delivery tags) is learned by pairing
// the recorded broker replies with the replayed ones in order; what the user asks for
// (--rewrite, --prefix, --vhost-map) is applied to every client method. Broker methods of the
// replay are mapped back into recorded terms, so the diff compares like with like.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <tl/expected.hpp>

#include "formats/amqp/content.hpp"
#include "formats/amqp/methods.hpp"

namespace amqpprox::replay {

struct RewriteRules {
    std::map<std::string, std::string> exchanges;  // --rewrite exchange:OLD=NEW
    std::map<std::string, std::string> queues;     // --rewrite queue:OLD=NEW
    std::string prefix;                            // --prefix P
    std::map<std::string, std::string> vhosts;     // --vhost-map OLD=NEW

    bool operator==(const RewriteRules&) const = default;
};

// "exchange:OLD=NEW" or "queue:OLD=NEW"; the error says what is accepted.
tl::expected<void, std::string> add_rewrite_rule(RewriteRules& rules, std::string_view text);
// "OLD=NEW".
tl::expected<void, std::string> add_vhost_map(RewriteRules& rules, std::string_view text);

class Rewriter {
public:
    explicit Rewriter(RewriteRules rules = {}) : m_rules(std::move(rules)) {}

    const RewriteRules& rules() const { return m_rules; }
    std::string vhost(std::string_view recorded) const;
    // The user rules alone (server-assigned names are not known before the replay).
    std::string exchange(std::string_view recorded) const;
    std::string queue(std::string_view recorded) const;
    std::string consumer_tag(std::string_view recorded) const;

    // Every broker method of the recording, in order (all of them may come before the replay).
    void recorded_broker(std::uint16_t channel, const amqp::Method& method);
    // A broker method of the replay as it arrives: learns from it and returns it in recorded
    // terms (names, consumer tags and delivery tags mapped back).
    amqp::Method replayed_broker(std::uint16_t channel, const amqp::Method& method);
    // A content header of the replay, in recorded terms (its reply-to).
    amqp::BasicProperties replayed_properties(const amqp::BasicProperties& properties) const;

    // A client method or content header of the recording, ready to send.
    amqp::Method to_replay(std::uint16_t channel, const amqp::Method& method) const;
    amqp::BasicProperties to_replay(const amqp::BasicProperties& properties) const;

    // Learned so far: recorded -> replayed.
    const std::map<std::string, std::string>& server_queues() const { return m_queues; }
    const std::map<std::string, std::string>& server_consumer_tags() const { return m_tags; }

private:
    // A channel number opened again starts its delivery tags again: the n-th opening of a
    // channel in the recording pairs with the n-th opening in the replay.
    using ChannelEpoch = std::pair<std::uint16_t, std::uint64_t>;

    struct Side {
        std::map<std::uint16_t, std::uint64_t> epochs;  // channel.open-oks seen per channel
        std::map<std::uint16_t, std::vector<std::string>> declared;  // declare-ok queues
        std::map<std::uint16_t, std::vector<std::string>> consumed;  // consume-ok tags
        struct Deliveries {
            std::vector<std::uint64_t> tags;                       // in arrival order
            std::unordered_map<std::uint64_t, std::size_t> index;  // tag -> position
        };
        std::map<ChannelEpoch, Deliveries> deliveries;
    };

    void learn(Side& side, std::uint16_t channel, const amqp::Method& method);
    void pair_names(std::uint16_t channel);
    std::string queue_back(std::string_view replayed) const;
    std::string exchange_back(std::string_view replayed) const;
    std::uint64_t delivery_tag(const Side& from, const Side& to, std::uint16_t channel,
                               std::uint64_t tag) const;

    RewriteRules m_rules;
    Side m_recorded;
    Side m_replayed;
    std::map<std::string, std::string> m_queues;  // server-named: recorded -> replayed
    std::map<std::string, std::string> m_tags;    // generated consumer tags
    std::map<std::string, std::string> m_queues_back;
    std::map<std::string, std::string> m_tags_back;
};

}  // namespace amqpprox::replay
