// The filters every amqp-analyze command takes (--session, --vhost, --channel, --method,
// --exchange, --routing-key, --queue, --from, --to), as typed, and their translation into a
// Selection with errors that say what is accepted.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "inputs.hpp"

namespace amqpprox::analyze {

struct SelectionOptions {
    std::vector<std::string> sessions;  // "17" or "2:17"
    std::optional<std::string> vhost;
    std::optional<int> channel;
    std::vector<std::string> methods;  // "Basic.Publish", "basic.publish", "basic" (a class)
    std::optional<std::string> exchange;
    std::optional<std::string> routing_key;
    std::optional<std::string> queue;
    std::optional<std::string> from;  // ISO 8601 UTC, or @SECONDS since the epoch
    std::optional<std::string> to;
};

tl::expected<Selection, std::string> make_selection(const SelectionOptions& options,
                                                    const InputSet& inputs);

// Method keys for "Basic.Publish" / "basic.publish" / "basic" (every method of the class).
tl::expected<std::vector<std::uint32_t>, std::string> parse_method_names(std::string_view name);

// "2025-11-22T08:26:40.5Z", "2025-11-22 08:26:40", "@1763800000.5" -> ns since the epoch (UTC).
tl::expected<std::int64_t, std::string> parse_time(std::string_view text);

}  // namespace amqpprox::analyze
