// A stats interval as StatsD lines with Telegraf-style tags, named as amqpprox names them:
// "amqpprox.<metric>[,tag=value...]:<value>|<type>". Connection counts are gauges (g); every
// other figure, the process ones included, is a counter (c) holding the interval's value.
// Lines are packed, newline-separated, into datagrams small enough for any network path.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "proxy/control/control_target.hpp"

namespace amqpprox::control {

// Safe below the usual 1500-byte MTU with IP and UDP headers.
constexpr std::size_t kStatsdDatagramBytes = 1400;

// Every metric of the snapshot, one line each (no newline), in a stable order: overall,
// process, vhosts, sources, backends.
std::vector<std::string> statsd_lines(const StatsSnapshot& snapshot);

// The lines joined with '\n' into datagrams of at most `max_bytes`. A line is never split; a
// line longer than `max_bytes` on its own (impossible with AMQP's 255-byte names) goes alone.
std::vector<std::string> pack_datagrams(const std::vector<std::string>& lines,
                                        std::size_t max_bytes = kStatsdDatagramBytes);

// A tag value with the characters StatsD and Telegraf give meaning to (, = : | space and
// line ends) replaced by '_'.
std::string statsd_tag_value(const std::string& value);

}  // namespace amqpprox::control
