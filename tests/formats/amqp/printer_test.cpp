#include "formats/amqp/printer.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace amqpprox::amqp;

TEST_CASE("methods print as Class.Method with their arguments", "[printer]") {
    CHECK(to_text(BasicPublish{.exchange = "x", .routing_key = "k"}) ==
          "Basic.Publish exchange=\"x\" routing_key=\"k\" mandatory=false immediate=false");
    CHECK(to_text(ExchangeUnbindOk{}) == "Exchange.Unbind-Ok");
    CHECK(to_text(ChannelClose{.reply_code = 404,
                               .reply_text = "NOT_FOUND - no queue 'q'",
                               .class_id = 50,
                               .method_id = 10}) ==
          "Channel.Close reply_code=404 reply_text=\"NOT_FOUND - no queue 'q'\" class_id=50 "
          "method_id=10");
}

TEST_CASE("reserved arguments are hidden while they hold defaults", "[printer]") {
    CHECK(to_text(ConnectionOpen{.virtual_host = "/"}) == "Connection.Open virtual_host=\"/\"");
    CHECK(to_text(ConnectionOpen{.virtual_host = "/"}, {.show_reserved = true}) ==
          "Connection.Open virtual_host=\"/\" capabilities=\"\" insist=false");
    CHECK(to_text(BasicGet{.ticket = 5, .queue = "q"}) ==
          "Basic.Get ticket=5 queue=\"q\" no_ack=false");
}

TEST_CASE("credentials are hidden unless asked for", "[printer]") {
    const ConnectionStartOk start_ok{
        .mechanism = "PLAIN", .response = std::string("\0alice\0s3cret", 13), .locale = "en_US"};
    const auto text = to_text(start_ok);
    CHECK(text.find("s3cret") == std::string::npos);
    CHECK(text.find("response=<PLAIN user=\"alice\", password hidden>") != std::string::npos);
    CHECK(to_text(start_ok, {.show_secrets = true}).find("\\x00alice\\x00s3cret") !=
          std::string::npos);
    CHECK(to_json(start_ok).find("s3cret") == std::string::npos);
    CHECK(to_text(ConnectionUpdateSecret{.new_secret = "token", .reason = "refresh"}) ==
          "Connection.Update-Secret new_secret=<5 bytes hidden> reason=\"refresh\"");
}

TEST_CASE("binary and non-ASCII strings stay readable on one line", "[printer]") {
    CHECK(to_text(BasicConsumeOk{.consumer_tag = "t\"\n\x01\xc3\xa9"}) ==
          "Basic.Consume-Ok consumer_tag=\"t\\\"\\n\\x01\xc3\xa9\"");
}

TEST_CASE("the JSON form is valid JSON with every argument", "[printer][json]") {
    QueueDeclare declare{.queue = "orders\xff", .durable = true};
    declare.arguments.entries.push_back({"x-max-length", FieldValue{std::int64_t{10}}});
    declare.arguments.entries.push_back({"x-queue-type", FieldValue{std::string("quorum")}});
    const auto json = nlohmann::json::parse(to_json(declare));
    CHECK(json["method"] == "queue.declare");
    CHECK(json["class_id"] == 50);
    CHECK(json["method_id"] == 10);
    CHECK(json["arguments"]["queue"] == "orders\u00ff");
    CHECK(json["arguments"]["durable"] == true);
    CHECK(json["arguments"]["passive"] == false);
    CHECK(json["arguments"]["ticket"] == 0);
    CHECK(json["arguments"]["arguments"]["x-max-length"] == 10);
    CHECK(json["arguments"]["arguments"]["x-queue-type"] == "quorum");
}

TEST_CASE("content headers and tables have a JSON form", "[printer][json]") {
    ContentHeader h;
    h.body_size = 3;
    h.properties.headers =
        FieldTable{{{"d", FieldValue{Decimal{2, 150}}},
                    {"v", FieldValue{Void{}}},
                    {"f", FieldValue{2.5}},
                    {"a", FieldValue{FieldArray{FieldValue{true}, FieldValue{std::string("s")}}}}}};
    std::string out;
    amqpprox::text::JsonWriter writer(out);
    to_json(writer, h);
    const auto json = nlohmann::json::parse(out);
    CHECK(json["body_size"] == 3);
    CHECK(json["properties"]["headers"]["d"] == 1.5);
    CHECK(json["properties"]["headers"]["v"].is_null());
    CHECK(json["properties"]["headers"]["f"] == 2.5);
    CHECK(json["properties"]["headers"]["a"] == nlohmann::json::array({true, "s"}));
}
