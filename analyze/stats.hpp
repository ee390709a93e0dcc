// `amqp-analyze stats`: counts, message traffic, sizes and latencies per group (overall,
// session, vhost, channel, exchange, queue, routing key), plus errors, heartbeat misses,
// blocked periods and consumers whose unacked deliveries pile up. Memory grows with live
// sessions, channels and unacked messages and with distinct names, never with frames.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "histogram.hpp"
#include "inputs.hpp"
#include "output_format.hpp"

namespace amqpprox::analyze {

enum class Dimension { session, vhost, channel, exchange, queue, routing_key };
// Each dimension with its name on the command line (--by) and in the output.
inline constexpr std::pair<Dimension, std::string_view> kDimensions[] = {
    {Dimension::session, "session"}, {Dimension::vhost, "vhost"},
    {Dimension::channel, "channel"}, {Dimension::exchange, "exchange"},
    {Dimension::queue, "queue"},     {Dimension::routing_key, "routing-key"},
};
std::string_view to_string(Dimension d);

struct Traffic {
    std::uint64_t published = 0;
    std::uint64_t published_bytes = 0;
    std::uint64_t delivered = 0;  // basic.deliver and basic.get-ok
    std::uint64_t delivered_bytes = 0;
    std::uint64_t acked = 0;  // consumer acks, `multiple` expanded to the messages it covers
    std::uint64_t nacked = 0;
    std::uint64_t rejected = 0;
    std::uint64_t returned = 0;
    std::uint64_t redelivered = 0;
    std::uint64_t confirmed = 0;       // publisher confirms: broker basic.ack
    std::uint64_t confirm_nacked = 0;  // broker basic.nack
};

struct Latencies {
    std::map<std::string, Histogram> rpc;  // by request method ("queue.declare")
    Histogram confirm;                     // publish -> broker ack/nack
    Histogram consumer;                    // deliver -> client ack/nack/reject
    Histogram get;                         // basic.get -> get-ok/get-empty
};

struct GroupStats {
    std::map<std::uint32_t, std::uint64_t> methods;  // method key -> frames
    Traffic traffic;
    Histogram message_sizes;  // body sizes of published and delivered messages
    Latencies latency;
};

struct RateBucket {
    std::int64_t second = 0;  // seconds since the epoch
    std::uint64_t published = 0;
    std::uint64_t delivered = 0;
    std::uint64_t acked = 0;
    std::uint64_t bytes = 0;  // wire bytes, both directions
};

// Messages and latencies per time bucket, for charts. Latencies count in the bucket of the
// reply, confirm or ack that ends them.
struct TimelineBucket {
    std::uint64_t published = 0;
    std::uint64_t delivered = 0;
    std::uint64_t acked = 0;
    Histogram rpc;  // every rpc.<method> together
    Histogram confirm;
    Histogram consumer;
};

struct Timeline {
    std::int64_t start_ns = 0;            // the first bucket's start: the first record, to the ms
    std::int64_t bucket_ns = 0;           // a power of two times 1 ms
    std::vector<TimelineBucket> buckets;  // consecutive from start_ns, empty ones included
};

struct ErrorEvent {
    std::int64_t ts_ns = 0;
    std::string session;
    std::uint16_t channel = 0;  // 0: a connection error
    std::uint16_t code = 0;
    std::string text;
    std::string sent_by;        // "client" or "broker"
    std::string failed_method;  // the method the error refers to, when given
};

struct HeartbeatReport {
    std::string session;
    std::uint16_t interval_s = 0;
    std::uint64_t client_misses = 0;  // silences of more than twice the interval
    std::uint64_t broker_misses = 0;
    std::int64_t longest_client_silence_ns = 0;
    std::int64_t longest_broker_silence_ns = 0;
};

struct BlockedPeriod {
    std::string session;
    std::int64_t start_ns = 0;
    std::optional<std::int64_t> end_ns;  // none: still blocked when the session or input ended
    std::string reason;
};

struct ConsumerReport {
    std::string session;
    std::uint16_t channel = 0;
    std::string consumer_tag;
    std::string queue;
    std::uint16_t prefetch = 0;  // basic.qos prefetch-count on the channel (0: unlimited)
    std::uint64_t delivered = 0;
    std::uint64_t settled = 0;  // acked, nacked or rejected
    std::uint64_t max_unacked = 0;
    std::uint64_t unacked_at_end = 0;
};

struct StatsReport {
    GroupStats overall;
    std::map<Dimension, std::map<std::string, GroupStats>> groups;
    std::vector<RateBucket> rates;  // one per second with traffic, in time order
    Timeline timeline;              // filled only when compute_stats is asked for it
    std::vector<ErrorEvent> errors;
    std::vector<HeartbeatReport> heartbeats;  // sessions with a negotiated heartbeat
    std::vector<BlockedPeriod> blocked;
    std::vector<ConsumerReport> consumers;  // manual-ack consumers and gets
    std::uint64_t frames = 0;
    std::uint64_t sessions = 0;
    std::uint64_t incomplete_messages = 0;  // content cut by a session's end or a new method
    std::uint64_t unconfirmed_at_end = 0;   // publishes in confirm mode never confirmed
    std::uint64_t undecodable = 0;
    std::optional<std::int64_t> first_ns, last_ns;
};

struct StatsOptions {
    OutputFormat format = OutputFormat::text;
    std::vector<Dimension> by{Dimension::vhost, Dimension::exchange, Dimension::queue};
    std::size_t top = 20;  // rows per table in text output
};

// Builds the report in one pass over the selected records in time order. With
// `timeline_buckets` > 0 it also fills `timeline` with at most that many buckets: they start
// 1 ms wide and double (merging pairs) whenever the records outrun them, so memory stays
// bounded and nothing needs to know the time span in advance.
StatsReport compute_stats(const InputSet& inputs, const Selection& selection,
                          const std::vector<Dimension>& by, std::size_t timeline_buckets = 0);

void print_stats(const StatsReport& report, const StatsOptions& options, std::ostream& out);

// Exit status: 0 printed, 1 nothing matched, 2 some frames could not be decoded (reported).
int run_stats(const InputSet& inputs, const Selection& selection, const StatsOptions& options,
              std::ostream& out, std::ostream& err);

}  // namespace amqpprox::analyze
