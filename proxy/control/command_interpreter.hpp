// The control language: one command line in, the reply text out. Grammar and output follow
// amqpprox (verbs and subcommands case-insensitive, names and vhosts keep their case, most
// changes print nothing); every malformed command says what was wrong and what is accepted.
// Configuration commands change ConfigStore; the rest go to the ControlTarget.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proxy/control/config_store.hpp"
#include "proxy/control/control_target.hpp"
#include "proxy/control/stats_format.hpp"

namespace amqpprox::control {

struct Reply {
    std::string text;  // every line ends in '\n'; empty for a change that succeeded silently
    // STAT LISTEN: keep the connection open and write format_stats(target.stats(), *stream)
    // every stats interval until the client goes away (text already holds the first one).
    std::optional<StatListen> stream;
    bool exit = false;  // EXIT: send text, then let the proxy stop (request_exit was called)

    bool operator==(const Reply&) const = default;
};

class CommandInterpreter {
public:
    CommandInterpreter(ConfigStore& store, ControlTarget& target, Resolver resolver)
        : m_store(store), m_target(target), m_resolver(std::move(resolver)) {}

    Reply execute(std::string_view line);

    // The HELP text: one "VERB grammar" line per verb, sorted.
    static std::string help_text();

private:
    ConfigStore& m_store;
    ControlTarget& m_target;
    Resolver m_resolver;
};

}  // namespace amqpprox::control
