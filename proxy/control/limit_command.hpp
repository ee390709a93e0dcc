// The LIMIT command: grammar, replies and errors, in the interpreter's style (amqpprox's
// replies where it has them). Kept apart from command_interpreter.cpp, which only calls it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proxy/control/limits.hpp"

namespace amqpprox::control {

// LIMIT's grammar, as HELP and its errors show it.
extern const std::string_view kLimitUsage;

// Runs `LIMIT args...` against the configuration; returns the reply (lines end in '\n'; empty
// for a change that prints nothing).
std::string limit_command(LimitConfig& limits, const std::vector<std::string_view>& args);

}  // namespace amqpprox::control
