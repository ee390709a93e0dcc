// The output forms commands offer with --format, and the exit statuses every command shares.
#pragma once

namespace amqpprox::analyze {

enum class OutputFormat { text, json, csv };

inline constexpr int kExitOk = 0;
inline constexpr int kExitNothingMatched = 1;  // the inputs were fine, the filters kept nothing
inline constexpr int kExitBadInput = 2;        // unreadable input, bad option, damaged frame

}  // namespace amqpprox::analyze
