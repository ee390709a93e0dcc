#include "replay/rewriter.hpp"

#include <catch2/catch.hpp>

using namespace amqpprox;
using namespace amqpprox::amqp;
using replay::Rewriter;
using replay::RewriteRules;

TEST_CASE("rewriter: rules parse, and bad ones say what is accepted", "[replay]") {
    RewriteRules rules;
    CHECK(replay::add_rewrite_rule(rules, "exchange:orders=orders.test"));
    CHECK(replay::add_rewrite_rule(rules, "queue:work=work2"));
    CHECK(replay::add_vhost_map(rules, "/=test"));
    CHECK(rules.exchanges.at("orders") == "orders.test");
    CHECK(rules.queues.at("work") == "work2");
    CHECK(rules.vhosts.at("/") == "test");

    for (const auto* bad : {"orders=x", "exchange:orders", "binding:a=b", "queue:=b", "queue:a="}) {
        const auto r = replay::add_rewrite_rule(rules, bad);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error(), Catch::Contains("exchange:OLD=NEW"));
    }
    for (const auto* bad : {"test", "=a", "a="}) {
        const auto r = replay::add_vhost_map(rules, bad);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error(), Catch::Contains("OLD=NEW"));
    }
}

TEST_CASE("rewriter: user rules and the prefix", "[replay]") {
    RewriteRules rules;
    rules.exchanges["orders"] = "orders2";
    rules.queues["work"] = "work2";
    rules.prefix = "t.";
    rules.vhosts["/"] = "test";
    const Rewriter r(rules);
    CHECK(r.vhost("/") == "test");
    CHECK(r.vhost("other") == "other");
    CHECK(r.exchange("orders") == "orders2");  // a rule wins over the prefix
    CHECK(r.exchange("events") == "t.events");
    CHECK(r.exchange("") == "");                    // the default exchange
    CHECK(r.exchange("amq.topic") == "amq.topic");  // amq.* belong to the broker
    CHECK(r.queue("work") == "work2");
    CHECK(r.queue("jobs") == "t.jobs");
    CHECK(r.queue("amq.gen-X") == "amq.gen-X");

    CHECK(r.to_replay(1, QueueBind{.queue = "jobs", .exchange = "events", .routing_key = "k"}) ==
          Method{QueueBind{.queue = "t.jobs", .exchange = "t.events", .routing_key = "k"}});
    CHECK(r.to_replay(1, ExchangeBind{.destination = "orders", .source = "amq.fanout"}) ==
          Method{ExchangeBind{.destination = "orders2", .source = "amq.fanout"}});
    // To the default exchange the routing key is a queue name; elsewhere it is not.
    CHECK(r.to_replay(1, BasicPublish{.exchange = "", .routing_key = "jobs"}) ==
          Method{BasicPublish{.exchange = "", .routing_key = "t.jobs"}});
    CHECK(r.to_replay(1, BasicPublish{.exchange = "events", .routing_key = "jobs"}) ==
          Method{BasicPublish{.exchange = "t.events", .routing_key = "jobs"}});
    // Broker methods of the replay come back in recorded terms.
    Rewriter back(rules);
    CHECK(back.replayed_broker(
              1, BasicDeliver{.delivery_tag = 1, .exchange = "t.events", .routing_key = "k"}) ==
          Method{BasicDeliver{.delivery_tag = 1, .exchange = "events", .routing_key = "k"}});
    CHECK(back.replayed_broker(1, QueueDeclareOk{.queue = "work2"}) ==
          Method{QueueDeclareOk{.queue = "work"}});
}

TEST_CASE("rewriter: server-named queues, consumer tags and reply-to", "[replay]") {
    Rewriter r;
    r.recorded_broker(1, ChannelOpenOk{});
    r.recorded_broker(1, QueueDeclareOk{.queue = "durable"});
    r.recorded_broker(1, QueueDeclareOk{.queue = "amq.gen-OLD"});
    r.recorded_broker(1, BasicConsumeOk{.consumer_tag = "amq.ctag-OLD"});
    // Not learned before the replay answers.
    CHECK(r.queue("amq.gen-OLD") == "amq.gen-OLD");

    r.replayed_broker(1, ChannelOpenOk{});
    r.replayed_broker(1, QueueDeclareOk{.queue = "durable"});
    CHECK(r.replayed_broker(1, QueueDeclareOk{.queue = "amq.gen-NEW"}) ==
          Method{QueueDeclareOk{.queue = "amq.gen-OLD"}});
    CHECK(r.server_queues() == std::map<std::string, std::string>{{"amq.gen-OLD", "amq.gen-NEW"}});
    CHECK(r.to_replay(1, BasicConsume{.queue = "amq.gen-OLD"}) ==
          Method{BasicConsume{.queue = "amq.gen-NEW"}});
    CHECK(r.to_replay(2, BasicPublish{.exchange = "", .routing_key = "amq.gen-OLD"}) ==
          Method{BasicPublish{.exchange = "", .routing_key = "amq.gen-NEW"}});
    CHECK(r.to_replay(BasicProperties{.reply_to = "amq.gen-OLD"}).reply_to == "amq.gen-NEW");
    CHECK(r.replayed_properties(BasicProperties{.reply_to = "amq.gen-NEW"}).reply_to ==
          "amq.gen-OLD");

    CHECK(r.replayed_broker(1, BasicConsumeOk{.consumer_tag = "amq.ctag-NEW"}) ==
          Method{BasicConsumeOk{.consumer_tag = "amq.ctag-OLD"}});
    CHECK(r.to_replay(1, BasicCancel{.consumer_tag = "amq.ctag-OLD"}) ==
          Method{BasicCancel{.consumer_tag = "amq.ctag-NEW"}});
    CHECK(r.replayed_broker(1, BasicDeliver{.consumer_tag = "amq.ctag-NEW", .delivery_tag = 1}) ==
          Method{BasicDeliver{.consumer_tag = "amq.ctag-OLD", .delivery_tag = 1}});
}

TEST_CASE("rewriter: delivery tags by arrival order, multiple included", "[replay]") {
    Rewriter r;
    // Recorded: tags 1, 2, 3 on channel 1 (two deliveries and a get-ok), 1 on channel 2.
    r.recorded_broker(1, ChannelOpenOk{});
    r.recorded_broker(1, BasicDeliver{.delivery_tag = 1});
    r.recorded_broker(1, BasicDeliver{.delivery_tag = 2});
    r.recorded_broker(1, BasicGetOk{.delivery_tag = 3});
    r.recorded_broker(2, ChannelOpenOk{});
    r.recorded_broker(2, BasicDeliver{.delivery_tag = 1});
    // Replayed: channel 1's tags are 5, 6, 9 (say, after a recovery); channel 2's is 4.
    r.replayed_broker(1, ChannelOpenOk{});
    CHECK(r.replayed_broker(1, BasicDeliver{.delivery_tag = 5}) ==
          Method{BasicDeliver{.delivery_tag = 1}});
    r.replayed_broker(1, BasicDeliver{.delivery_tag = 6});
    CHECK(r.replayed_broker(1, BasicGetOk{.delivery_tag = 9}) ==
          Method{BasicGetOk{.delivery_tag = 3}});
    r.replayed_broker(2, ChannelOpenOk{});
    r.replayed_broker(2, BasicDeliver{.delivery_tag = 4});

    CHECK(r.to_replay(1, BasicAck{.delivery_tag = 2, .multiple = true}) ==
          Method{BasicAck{.delivery_tag = 6, .multiple = true}});
    CHECK(r.to_replay(1, BasicNack{.delivery_tag = 3, .requeue = true}) ==
          Method{BasicNack{.delivery_tag = 9, .requeue = true}});
    CHECK(r.to_replay(1, BasicReject{.delivery_tag = 1}) == Method{BasicReject{.delivery_tag = 5}});
    CHECK(r.to_replay(2, BasicAck{.delivery_tag = 1}) == Method{BasicAck{.delivery_tag = 4}});
    // multiple with tag 0 means everything so far, in either numbering.
    CHECK(r.to_replay(1, BasicAck{.delivery_tag = 0, .multiple = true}) ==
          Method{BasicAck{.delivery_tag = 0, .multiple = true}});
    // Publisher confirms from the broker are not deliveries: left alone.
    CHECK(r.replayed_broker(1, BasicAck{.delivery_tag = 7}) == Method{BasicAck{.delivery_tag = 7}});
}

TEST_CASE("rewriter: a channel opened again starts its delivery tags again", "[replay]") {
    Rewriter r;
    r.recorded_broker(1, ChannelOpenOk{});
    r.recorded_broker(1, BasicDeliver{.delivery_tag = 1});
    r.recorded_broker(1, ChannelOpenOk{});
    r.recorded_broker(1, BasicDeliver{.delivery_tag = 1});
    r.replayed_broker(1, ChannelOpenOk{});
    r.replayed_broker(1, BasicDeliver{.delivery_tag = 10});
    CHECK(r.to_replay(1, BasicAck{.delivery_tag = 1}) == Method{BasicAck{.delivery_tag = 10}});
    r.replayed_broker(1, ChannelOpenOk{});
    r.replayed_broker(1, BasicDeliver{.delivery_tag = 20});
    CHECK(r.to_replay(1, BasicAck{.delivery_tag = 1}) == Method{BasicAck{.delivery_tag = 20}});
}
