#include "stats.hpp"

#include <algorithm>
#include <deque>
#include <ostream>

#include "formats/amqp/content.hpp"
#include "formats/amqp/methods.hpp"

namespace amqpprox::analyze {
namespace {

using namespace amqpprox::amqp;
using capture::Direction;
using capture::Record;

constexpr int kSides = 2;
int side(Direction d) {
    return d == Direction::client_to_broker ? 0 : 1;
}

bool has_nowait(const Method& method) {
    bool nowait = false;
    std::visit(
        [&](const auto& m) {
            visit_fields(m, [&](auto, std::string_view name, const auto& value) {
                if constexpr (std::is_same_v<std::decay_t<decltype(value)>, bool>) {
                    if (name == "nowait") nowait = value;
                }
            });
        },
        method);
    return nowait;
}

// Where a message or a request belongs besides its session and channel.
struct Names {
    std::string exchange;
    std::string routing_key;
    std::string queue;
    bool has_exchange = false;
    bool has_routing_key = false;
    bool has_queue = false;

    static Names of(const Record& r) {
        Names n;
        if (r.exchange) n.exchange = *r.exchange, n.has_exchange = true;
        if (r.routing_key) n.routing_key = *r.routing_key, n.has_routing_key = true;
        if (r.queue) n.queue = *r.queue, n.has_queue = true;
        return n;
    }
    void set_queue(std::string q) {
        queue = std::move(q);
        has_queue = true;
    }
};

struct Content {
    enum class Kind { publish, deliver, get_ok, ret } kind{};
    Names names;
    std::optional<std::uint64_t> body_size;  // known from the content header
    std::uint64_t received = 0;
};

struct Delivery {
    std::int64_t ts_ns = 0;
    Names names;
    std::size_t consumer = 0;  // index into report.consumers
};

struct Unconfirmed {
    std::int64_t ts_ns = 0;
    Names names;
};

struct PendingRpc {
    std::int64_t ts_ns = 0;
    const MethodInfo* info = nullptr;
    Names names;
    bool no_ack = false;  // basic.consume / basic.get
    std::string consumer_tag;
};

struct Consumer {
    std::size_t index = 0;  // into report.consumers
    bool no_ack = false;
};

struct ChannelState {
    std::optional<Content> content[kSides];  // each side sends its own content frames
    bool confirm = false;
    std::uint64_t next_publish = 1;
    std::map<std::uint64_t, Unconfirmed> unconfirmed;
    std::map<std::uint64_t, Delivery> unacked;
    std::deque<PendingRpc> pending[kSides];  // by the side that asked
    std::uint16_t prefetch = 0;
    std::map<std::string, Consumer> consumers;  // consumer tag (gets: "basic.get " + queue)
};

struct SessionState {
    const SessionInfo* info = nullptr;
    std::map<std::uint16_t, ChannelState> channels;
    std::optional<std::size_t> heartbeat;  // index into report.heartbeats
    std::optional<std::int64_t> last_ts[kSides];
    std::optional<std::size_t> blocked;  // open period, index into report.blocked
    // The session's own groups, found once (map nodes do not move).
    GroupStats* session_group = nullptr;
    GroupStats* vhost_group = nullptr;
    std::map<std::uint16_t, GroupStats*> channel_groups;
};

class Collector {
public:
    Collector(const std::vector<Dimension>& by, std::size_t timeline_buckets)
        : m_timeline_buckets(timeline_buckets) {
        for (const auto d : by)
            m_by.emplace_back(d, &m_report.groups[d]);
    }

    void add(const SessionInfo& info, const Record& r) {
        ++m_report.frames;
        if (!m_report.first_ns) {
            m_report.first_ns = r.ts_ns;
            if (m_timeline_buckets > 0) {
                m_timeline.bucket_ns = 1'000'000;
                m_timeline.start_ns = r.ts_ns - r.ts_ns % m_timeline.bucket_ns;
            }
        }
        m_report.last_ns = std::max(m_report.last_ns.value_or(r.ts_ns), r.ts_ns);
        auto& session = session_of(info);
        auto& rate = rate_at(r.ts_ns);
        rate.bytes += r.type == FrameType::protocol_header ? r.size : r.size + 8;
        track_heartbeat(session, r);
        switch (r.type) {
            case FrameType::method:
                on_method(session, r);
                break;
            case FrameType::header:
                on_header(session, r);
                break;
            case FrameType::body:
                on_body(session, r);
                break;
            default:
                break;
        }
    }

    StatsReport finish() {
        for (auto& [key, session] : m_sessions)
            end_session(session);
        m_sessions.clear();
        if (m_timeline_buckets > 0 && m_report.last_ns) {
            timeline_at(*m_report.last_ns);  // the chart spans the records, quiet end included
            m_report.timeline = std::move(m_timeline);
        }
        m_report.rates.reserve(m_rates.size());
        for (const auto& [second, bucket] : m_rates)
            m_report.rates.push_back(bucket);
        return std::move(m_report);
    }

private:
    SessionState& session_of(const SessionInfo& info) {
        auto [it, added] = m_sessions.try_emplace(info.key);
        if (added) {
            it->second.info = &info;
            ++m_report.sessions;
        }
        return it->second;
    }

    // Records come in time order: nearly every call is for the second the last one was.
    RateBucket& rate_at(std::int64_t ts_ns) {
        const auto second = ts_ns / 1'000'000'000;
        if (!m_rate || m_rate->second != second) {
            m_rate = &m_rates[second];
            m_rate->second = second;
        }
        return *m_rate;
    }

    // The timeline bucket of a time, or null when no timeline is kept (the `stats` command:
    // one predictable branch per message, so its speed does not change).
    TimelineBucket* timeline_at(std::int64_t ts_ns) {
        if (m_timeline_buckets == 0) return nullptr;
        auto& t = m_timeline;
        auto index = std::max<std::int64_t>(0, ts_ns - t.start_ns) / t.bucket_ns;
        while (static_cast<std::size_t>(index) >= m_timeline_buckets) {
            coarsen_timeline();
            index /= 2;
        }
        const auto i = static_cast<std::size_t>(index);
        if (i >= t.buckets.size()) t.buckets.resize(i + 1);
        return &t.buckets[i];
    }

    // Doubles the bucket width: bucket j becomes old buckets 2j and 2j+1 (j < 2j, so the
    // ones read later are not yet overwritten).
    void coarsen_timeline() {
        auto& b = m_timeline.buckets;
        const auto merged = (b.size() + 1) / 2;
        for (std::size_t j = 0; j < merged; ++j) {
            TimelineBucket sum = std::move(b[2 * j]);
            if (2 * j + 1 < b.size()) {
                const auto& odd = b[2 * j + 1];
                sum.published += odd.published;
                sum.delivered += odd.delivered;
                sum.acked += odd.acked;
                sum.rpc.merge(odd.rpc);
                sum.confirm.merge(odd.confirm);
                sum.consumer.merge(odd.consumer);
            }
            b[j] = std::move(sum);
        }
        b.resize(merged);
        m_timeline.bucket_ns *= 2;
    }

    // Calls fn on every group a frame or message with these names counts toward.
    template <typename Fn>
    void for_groups(SessionState& s, std::uint16_t channel, const Names& names, Fn&& fn) {
        fn(m_report.overall);
        for (const auto& [d, groups_of] : m_by) {
            auto& groups = *groups_of;
            switch (d) {
                case Dimension::session:
                    if (!s.session_group) s.session_group = &groups[s.info->label];
                    fn(*s.session_group);
                    break;
                case Dimension::vhost:
                    if (!s.vhost_group) s.vhost_group = &groups[s.info->row.vhost];
                    fn(*s.vhost_group);
                    break;
                case Dimension::channel: {
                    auto& group = s.channel_groups[channel];
                    if (!group) group = &groups[s.info->label + "/" + std::to_string(channel)];
                    fn(*group);
                    break;
                }
                case Dimension::exchange:
                    if (names.has_exchange) fn(groups[names.exchange]);
                    break;
                case Dimension::queue:
                    if (names.has_queue) fn(groups[names.queue]);
                    break;
                case Dimension::routing_key:
                    if (names.has_routing_key) fn(groups[names.routing_key]);
                    break;
            }
        }
    }

    void track_heartbeat(SessionState& s, const Record& r) {
        auto& last = s.last_ts[side(r.direction)];
        if (s.heartbeat && last) {
            auto& hb = m_report.heartbeats[*s.heartbeat];
            const auto silence = r.ts_ns - *last;
            const auto limit = std::int64_t{hb.interval_s} * 2'000'000'000;
            const bool client = r.direction == Direction::client_to_broker;
            auto& longest = client ? hb.longest_client_silence_ns : hb.longest_broker_silence_ns;
            longest = std::max(longest, silence);
            if (silence > limit) ++(client ? hb.client_misses : hb.broker_misses);
        }
        last = r.ts_ns;
    }

    void content_cut(std::optional<Content>& content) {
        if (content) ++m_report.incomplete_messages;
        content.reset();
    }

    void on_header(SessionState& s, const Record& r) {
        auto& slot = s.channels[r.channel].content[side(r.direction)];
        if (!slot || slot->body_size) return;  // stray header
        const auto size = peek_content_size(r.payload);
        if (!size) {
            ++m_report.undecodable;
            return;
        }
        auto& content = *slot;
        content.body_size = size->body_size;
        const bool published = content.kind == Content::Kind::publish;
        const bool delivered =
            content.kind == Content::Kind::deliver || content.kind == Content::Kind::get_ok;
        for_groups(s, r.channel, content.names, [&](GroupStats& g) {
            if (published) g.traffic.published_bytes += size->body_size;
            if (delivered) g.traffic.delivered_bytes += size->body_size;
            if (published || delivered) g.message_sizes.add(size->body_size);
        });
        if (size->body_size == 0) slot.reset();
    }

    void on_body(SessionState& s, const Record& r) {
        auto& slot = s.channels[r.channel].content[side(r.direction)];
        if (!slot || !slot->body_size) return;
        slot->received += r.size;
        if (slot->received >= *slot->body_size) slot.reset();
    }

    void on_method(SessionState& s, const Record& r) {
        auto decoded = decode_method(r.payload);
        if (!decoded) {
            ++m_report.undecodable;
            return;
        }
        const Method& method = *decoded;
        const auto& info = amqp::info(method);
        auto& channel = s.channels[r.channel];
        auto names = Names::of(r);
        for_groups(s, r.channel, names, [&](GroupStats& g) { ++g.methods[info.id.key()]; });
        auto& content = channel.content[side(r.direction)];
        content_cut(content);

        const int asker = side(r.direction);
        std::optional<PendingRpc> answered = match_reply(s, channel, r, info);
        if (info.synchronous && !info.replies.empty() && !has_nowait(method)) {
            PendingRpc rpc{r.ts_ns, &info, names};
            if (const auto* consume = std::get_if<BasicConsume>(&method)) {
                rpc.no_ack = consume->no_ack;
                rpc.consumer_tag = consume->consumer_tag;
            } else if (const auto* get = std::get_if<BasicGet>(&method)) {
                rpc.no_ack = get->no_ack;
            }
            channel.pending[asker].push_back(std::move(rpc));
        }
        handle(s, channel, content, r, method, std::move(names), answered);
    }

    // Pairs a reply with the oldest request on the channel that it answers.
    std::optional<PendingRpc> match_reply(SessionState& s, ChannelState& channel, const Record& r,
                                          const MethodInfo& info) {
        auto& pending = channel.pending[1 - side(r.direction)];
        const auto it = std::find_if(pending.begin(), pending.end(), [&](const PendingRpc& p) {
            return std::find(p.info->replies.begin(), p.info->replies.end(), info.id) !=
                   p.info->replies.end();
        });
        if (it == pending.end()) return std::nullopt;
        PendingRpc rpc = std::move(*it);
        pending.erase(it);
        const auto latency =
            static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.ts_ns - rpc.ts_ns));
        if (auto* t = timeline_at(r.ts_ns)) t->rpc.add(latency);
        const std::string name(rpc.info->name);
        const bool get = rpc.info->id == BasicGet::id;
        for_groups(s, r.channel, rpc.names, [&](GroupStats& g) {
            g.latency.rpc[name].add(latency);
            if (get) g.latency.get.add(latency);
        });
        return rpc;
    }

    std::size_t add_consumer(SessionState& s, std::uint16_t channel_id, ChannelState& channel,
                             std::string tag, std::string queue, bool no_ack) {
        auto [it, added] = channel.consumers.try_emplace(tag);
        if (added) {
            it->second.index = m_report.consumers.size();
            it->second.no_ack = no_ack;
            m_unacked.push_back(0);
            m_report.consumers.push_back(ConsumerReport{.session = s.info->label,
                                                        .channel = channel_id,
                                                        .consumer_tag = std::move(tag),
                                                        .queue = std::move(queue),
                                                        .prefetch = channel.prefetch});
        }
        return it->second.index;
    }

    void track_delivery(ChannelState& channel, std::uint64_t tag, std::int64_t ts,
                        const Names& names, std::size_t consumer) {
        const auto [it, added] = channel.unacked.try_emplace(tag, Delivery{ts, names, consumer});
        if (!added) {  // a repeated tag replaces the delivery it named
            --m_unacked[it->second.consumer];
            it->second = Delivery{ts, names, consumer};
        }
        auto& c = m_report.consumers[consumer];
        ++c.delivered;
        c.max_unacked = std::max(c.max_unacked, ++m_unacked[consumer]);
    }

    // Consumer acks (client) or publisher confirms (broker) covering `tag` (and below).
    template <typename Entry, typename Fn>
    static void settle(std::map<std::uint64_t, Entry>& open, std::uint64_t tag, bool multiple,
                       Fn&& fn) {
        if (!multiple) {
            const auto it = open.find(tag);
            if (it != open.end()) {
                fn(it->second);
                open.erase(it);
            }
            return;
        }
        const auto end = tag == 0 ? open.end() : open.upper_bound(tag);
        for (auto it = open.begin(); it != end; ++it)
            fn(it->second);
        open.erase(open.begin(), end);
    }

    void client_settles(SessionState& s, std::uint16_t channel_id, ChannelState& channel,
                        std::uint64_t tag, bool multiple, std::int64_t ts,
                        std::uint64_t Traffic::*counter) {
        std::uint64_t settled = 0;
        auto* timeline = timeline_at(ts);
        settle(channel.unacked, tag, multiple, [&](const Delivery& d) {
            ++settled;
            ++m_report.consumers[d.consumer].settled;
            --m_unacked[d.consumer];
            const auto latency =
                static_cast<std::uint64_t>(std::max<std::int64_t>(0, ts - d.ts_ns));
            if (timeline) timeline->consumer.add(latency);
            for_groups(s, channel_id, d.names, [&](GroupStats& g) {
                ++(g.traffic.*counter);
                g.latency.consumer.add(latency);
            });
        });
        if (settled == 0 && !multiple) {  // a delivery we did not see (capture began later)
            for_groups(s, channel_id, Names{}, [&](GroupStats& g) { ++(g.traffic.*counter); });
        }
        if (counter == &Traffic::acked) {
            rate_at(ts).acked += std::max<std::uint64_t>(settled, 1);
            if (timeline) timeline->acked += std::max<std::uint64_t>(settled, 1);
        }
    }

    void broker_confirms(SessionState& s, std::uint16_t channel_id, ChannelState& channel,
                         std::uint64_t tag, bool multiple, std::int64_t ts, bool ack) {
        auto* timeline = timeline_at(ts);
        settle(channel.unconfirmed, tag, multiple, [&](const Unconfirmed& u) {
            const auto latency =
                static_cast<std::uint64_t>(std::max<std::int64_t>(0, ts - u.ts_ns));
            if (timeline) timeline->confirm.add(latency);
            for_groups(s, channel_id, u.names, [&](GroupStats& g) {
                ++(ack ? g.traffic.confirmed : g.traffic.confirm_nacked);
                g.latency.confirm.add(latency);
            });
        });
    }

    void handle(SessionState& s, ChannelState& channel, std::optional<Content>& content,
                const Record& r, const Method& method, Names names,
                const std::optional<PendingRpc>& answered) {
        const bool from_client = r.direction == Direction::client_to_broker;
        const auto ch = r.channel;
        if (std::holds_alternative<BasicPublish>(method)) {
            if (channel.confirm) channel.unconfirmed[channel.next_publish++] = {r.ts_ns, names};
            for_groups(s, ch, names, [](GroupStats& g) { ++g.traffic.published; });
            ++rate_at(r.ts_ns).published;
            if (auto* t = timeline_at(r.ts_ns)) ++t->published;
            content = Content{Content::Kind::publish, std::move(names)};
        } else if (const auto* deliver = std::get_if<BasicDeliver>(&method)) {
            auto with_queue = std::move(names);
            const auto consumer = channel.consumers.find(deliver->consumer_tag);
            if (consumer != channel.consumers.end()) {
                with_queue.set_queue(m_report.consumers[consumer->second.index].queue);
                if (!consumer->second.no_ack)
                    track_delivery(channel, deliver->delivery_tag, r.ts_ns, with_queue,
                                   consumer->second.index);
            }
            for_groups(s, ch, with_queue, [&](GroupStats& g) {
                ++g.traffic.delivered;
                if (deliver->redelivered) ++g.traffic.redelivered;
            });
            ++rate_at(r.ts_ns).delivered;
            if (auto* t = timeline_at(r.ts_ns)) ++t->delivered;
            content = Content{Content::Kind::deliver, std::move(with_queue)};
        } else if (const auto* get_ok = std::get_if<BasicGetOk>(&method)) {
            auto with_queue = std::move(names);
            if (answered) {
                with_queue.set_queue(answered->names.queue);
                if (!answered->no_ack) {
                    const auto consumer =
                        add_consumer(s, ch, channel, "basic.get " + answered->names.queue,
                                     answered->names.queue, false);
                    track_delivery(channel, get_ok->delivery_tag, r.ts_ns, with_queue, consumer);
                }
            }
            for_groups(s, ch, with_queue, [&](GroupStats& g) {
                ++g.traffic.delivered;
                if (get_ok->redelivered) ++g.traffic.redelivered;
            });
            ++rate_at(r.ts_ns).delivered;
            if (auto* t = timeline_at(r.ts_ns)) ++t->delivered;
            content = Content{Content::Kind::get_ok, std::move(with_queue)};
        } else if (std::holds_alternative<BasicReturn>(method)) {
            for_groups(s, ch, names, [](GroupStats& g) { ++g.traffic.returned; });
            content = Content{Content::Kind::ret, std::move(names)};
        } else if (const auto* ack = std::get_if<BasicAck>(&method)) {
            if (from_client)
                client_settles(s, ch, channel, ack->delivery_tag, ack->multiple, r.ts_ns,
                               &Traffic::acked);
            else
                broker_confirms(s, ch, channel, ack->delivery_tag, ack->multiple, r.ts_ns, true);
        } else if (const auto* nack = std::get_if<BasicNack>(&method)) {
            if (from_client)
                client_settles(s, ch, channel, nack->delivery_tag, nack->multiple, r.ts_ns,
                               &Traffic::nacked);
            else
                broker_confirms(s, ch, channel, nack->delivery_tag, nack->multiple, r.ts_ns, false);
        } else if (const auto* reject = std::get_if<BasicReject>(&method)) {
            client_settles(s, ch, channel, reject->delivery_tag, false, r.ts_ns,
                           &Traffic::rejected);
        } else if (const auto* consume = std::get_if<BasicConsume>(&method)) {
            if (consume->nowait)
                add_consumer(s, ch, channel, consume->consumer_tag, consume->queue,
                             consume->no_ack);
        } else if (const auto* consume_ok = std::get_if<BasicConsumeOk>(&method)) {
            if (answered)
                add_consumer(s, ch, channel, consume_ok->consumer_tag, answered->names.queue,
                             answered->no_ack);
        } else if (const auto* qos = std::get_if<BasicQos>(&method)) {
            channel.prefetch = qos->prefetch_count;
        } else if (std::holds_alternative<ConfirmSelect>(method)) {
            channel.confirm = true;
        } else if (const auto* tune_ok = std::get_if<ConnectionTuneOk>(&method)) {
            if (tune_ok->heartbeat > 0 && !s.heartbeat) {
                s.heartbeat = m_report.heartbeats.size();
                m_report.heartbeats.push_back({s.info->label, tune_ok->heartbeat});
            }
        } else if (const auto* close = std::get_if<ConnectionClose>(&method)) {
            error(s, r, close->reply_code, close->reply_text, close->class_id, close->method_id);
        } else if (const auto* channel_close = std::get_if<ChannelClose>(&method)) {
            error(s, r, channel_close->reply_code, channel_close->reply_text,
                  channel_close->class_id, channel_close->method_id);
        } else if (std::holds_alternative<ChannelCloseOk>(method)) {
            end_channel(channel);
            s.channels.erase(ch);
        } else if (std::holds_alternative<ConnectionCloseOk>(method)) {
            end_session(s);
        } else if (const auto* blocked = std::get_if<ConnectionBlocked>(&method)) {
            if (!s.blocked) {
                s.blocked = m_report.blocked.size();
                m_report.blocked.push_back({s.info->label, r.ts_ns, std::nullopt, blocked->reason});
            }
        } else if (std::holds_alternative<ConnectionUnblocked>(method)) {
            if (s.blocked) m_report.blocked[*s.blocked].end_ns = r.ts_ns;
            s.blocked.reset();
        }
    }

    void error(SessionState& s, const Record& r, std::uint16_t code, const std::string& text,
               std::uint16_t class_id, std::uint16_t method_id) {
        if (code == 200 || code == 0) return;  // a normal close (pika sends 0)
        ErrorEvent e{r.ts_ns, s.info->label, r.channel,
                     code,    text,          std::string(capture::to_string(r.direction)),
                     {}};
        if (const auto* failed = find_method(MethodId{class_id, method_id}))
            e.failed_method = failed->display_name;
        m_report.errors.push_back(std::move(e));
    }

    void end_channel(ChannelState& channel) {
        for (auto& c : channel.content)
            content_cut(c);
        for (const auto& [tag, d] : channel.unacked) {
            ++m_report.consumers[d.consumer].unacked_at_end;
            --m_unacked[d.consumer];
        }
        m_report.unconfirmed_at_end += channel.unconfirmed.size();
        channel = ChannelState{};
    }

    // Ends what the session had open; the session may still send frames (a Close-Ok
    // crossing), which then start from a clean state.
    void end_session(SessionState& s) {
        for (auto& [id, channel] : s.channels)
            end_channel(channel);
        s.channels.clear();
        s.blocked.reset();
    }

    StatsReport m_report;
    std::vector<std::pair<Dimension, std::map<std::string, GroupStats>*>> m_by;
    RateBucket* m_rate = nullptr;        // the bucket of the last record
    std::size_t m_timeline_buckets = 0;  // 0: no timeline
    Timeline m_timeline;
    // Unacked deliveries now, per consumer (by report index): a channel may carry several.
    std::vector<std::uint64_t> m_unacked;
    std::map<SessionKey, SessionState> m_sessions;
    std::map<std::int64_t, RateBucket> m_rates;
};

}  // namespace

std::string_view to_string(Dimension d) {
    for (const auto& [dimension, name] : kDimensions)
        if (dimension == d) return name;
    return "?";
}

StatsReport compute_stats(const InputSet& inputs, const Selection& selection,
                          const std::vector<Dimension>& by, std::size_t timeline_buckets) {
    Collector collector(by, timeline_buckets);
    inputs.for_each(selection, [&](const SessionInfo& s, const Record& r) {
        collector.add(s, r);
        return true;
    });
    return collector.finish();
}

}  // namespace amqpprox::analyze
