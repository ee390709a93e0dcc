// Human and JSON forms of methods, content headers and field tables, as the trace prints them:
//   Basic.Publish exchange="x" routing_key="k" mandatory=false immediate=false
#pragma once

#include <string>

#include "../text/json_writer.hpp"
#include "content.hpp"
#include "field_table.hpp"
#include "methods.hpp"

namespace amqpprox::amqp {

struct PrintOptions {
    // Print SASL responses and update-secret secrets in clear (off: user name only).
    bool show_secrets = false;
    // Print reserved arguments (ticket, out_of_band, insist, ...) even when they hold defaults.
    bool show_reserved = false;
};

std::string to_text(const Method& method, const PrintOptions& options = {});
std::string to_text(const ContentHeader& header);
// The properties that are set, as `content_type="text/plain" delivery_mode=2`.
std::string to_text(const BasicProperties& properties);
std::string to_text(const FieldTable& table);
std::string to_text(const FieldValue& value);

// {"method":"basic.publish","class_id":60,"method_id":40,"arguments":{...}}
void to_json(text::JsonWriter& json, const Method& method, const PrintOptions& options = {});
// {"class_id":60,"body_size":5,"properties":{"content_type":"text/plain",...}}
void to_json(text::JsonWriter& json, const ContentHeader& header);
// {"content_type":"text/plain",...}: the properties that are set.
void to_json(text::JsonWriter& json, const BasicProperties& properties);
void to_json(text::JsonWriter& json, const FieldTable& table);
void to_json(text::JsonWriter& json, const FieldValue& value);

std::string to_json(const Method& method, const PrintOptions& options = {});

}  // namespace amqpprox::amqp
