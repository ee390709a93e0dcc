// A recorded session that exercises every dependency rule of the replay planner.
#pragma once

#include <optional>
#include <sstream>
#include <string>

#include "../analyze/analysis_test_support.hpp"
#include "replay/replay.hpp"

namespace amqpprox::replay::test {

// amqp-replay as the command runs it, with no environment: exit status, report, errors.
struct CommandResult {
    int code = 0;
    std::string out;
    std::string err;
};

inline CommandResult run_command(const ReplayOptions& options) {
    std::ostringstream out;
    std::ostringstream err;
    const int code =
        run_replay(options, out, err, [](const char*) { return std::optional<std::string>(); });
    return {code, out.str(), err.str()};
}

// Session 1 (vhost "/"): a server-named queue bound and consumed with a generated tag, two
// deliveries acked with multiple, a get acked, a publish with reply-to the server-named
// queue, a cancel, and a close. Times are ms after the session's start; session 2 starts
// 50 ms later and is cut (no close).
inline void write_replay_session(const std::string& path) {
    using namespace amqp;
    using analyze::test::SessionBuilder;
    constexpr auto C = capture::Direction::client_to_broker;
    constexpr auto B = capture::Direction::broker_to_client;
    capture::CaptureWriter writer(path, analyze::test::blocking_writer());
    SessionBuilder s(writer, 1, 0);
    s.header(0)
        .broker(1, 0, ConnectionStart{.mechanisms = "PLAIN", .locales = "en_US"})
        .client(2, 0, ConnectionStartOk{.mechanism = "PLAIN", .response = std::string("\0u\0p", 4)})
        .broker(3, 0, ConnectionTune{.channel_max = 2047, .frame_max = 131072, .heartbeat = 60})
        .client(4, 0, ConnectionTuneOk{.channel_max = 2047, .frame_max = 131072, .heartbeat = 60})
        .client(5, 0, ConnectionOpen{.virtual_host = "/"})
        .broker(6, 0, ConnectionOpenOk{})
        .client(10, 1, ChannelOpen{})  // step 0
        .broker(11, 1, ChannelOpenOk{})
        .client(12, 1, QueueDeclare{.queue = "", .exclusive = true})  // step 1: reply
        .broker(13, 1, QueueDeclareOk{.queue = "amq.gen-A"})
        .client(14, 1, QueueBind{.queue = "amq.gen-A", .exchange = "x", .routing_key = "k"})
        .broker(15, 1, QueueBindOk{})                       // step 2: reply+name
        .client(16, 1, BasicConsume{.queue = "amq.gen-A"})  // step 3
        .broker(17, 1, BasicConsumeOk{.consumer_tag = "amq.ctag-1"})
        .broker(20, 1,
                BasicDeliver{.consumer_tag = "amq.ctag-1",
                             .delivery_tag = 1,
                             .exchange = "x",
                             .routing_key = "k"})
        .content(20, B, 1, 3, 3)
        .broker(21, 1,
                BasicDeliver{.consumer_tag = "amq.ctag-1",
                             .delivery_tag = 2,
                             .exchange = "x",
                             .routing_key = "k"})
        .content(21, B, 1, 3, 3)
        .client(22, 1, BasicAck{.delivery_tag = 2, .multiple = true})  // step 4: delivery
        .client(23, 1, BasicGet{.queue = "amq.gen-A"})                 // step 5: name
        .broker(24, 1, BasicGetEmpty{})
        .client(25, 2, ChannelOpen{})  // step 6
        .broker(26, 2, ChannelOpenOk{})
        .client(27, 2, BasicPublish{.exchange = "", .routing_key = "amq.gen-A"})  // step 7
        .content(27, C, 2, BasicProperties{.reply_to = "amq.gen-A"}, "hello")
        .broker(28, 1,
                BasicDeliver{.consumer_tag = "amq.ctag-1",
                             .delivery_tag = 3,
                             .exchange = "",
                             .routing_key = "amq.gen-A"})
        .content(28, B, 1, BasicProperties{.reply_to = "amq.gen-A"}, "hello")
        .client(29, 1, BasicReject{.delivery_tag = 3})             // step 8: delivery
        .client(30, 1, BasicCancel{.consumer_tag = "amq.ctag-1"})  // step 9: name
        .broker(31, 1, BasicCancelOk{.consumer_tag = "amq.ctag-1"})
        .client(32, 0, ConnectionClose{.reply_code = 200, .reply_text = "bye"})  // step 10
        .broker(33, 0, ConnectionCloseOk{});
    s.end(34);

    SessionBuilder cut(writer, 2, 50);
    cut.header(0)
        .broker(1, 0, ConnectionStart{.mechanisms = "PLAIN", .locales = "en_US"})
        .client(2, 0, ConnectionStartOk{.mechanism = "PLAIN"})
        .broker(3, 0, ConnectionTune{})
        .client(4, 0, ConnectionTuneOk{})
        .client(5, 0, ConnectionOpen{.virtual_host = "/"})
        .broker(6, 0, ConnectionOpenOk{})
        .client(7, 1, ChannelOpen{})
        .broker(8, 1, ChannelOpenOk{})
        .client(9, 1, ExchangeDeclare{.exchange = "orders", .type = "topic"});
    cut.end(10);
}

// The session above written to `path`, and options that replay it to `target`.
inline ReplayOptions options_for_session(const std::string& path, std::string target) {
    write_replay_session(path);
    ReplayOptions options;
    options.inputs = {path};
    options.target = std::move(target);
    return options;
}

}  // namespace amqpprox::replay::test
