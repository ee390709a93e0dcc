// `amqp-analyze sessions`: one line per session: who connected to which backend, as whom,
// what it did (channels, messages, bytes) and how it ended.
#pragma once

#include <iosfwd>

#include "inputs.hpp"
#include "output_format.hpp"

namespace amqpprox::analyze {

struct SessionListOptions {
    OutputFormat format = OutputFormat::text;
};

// With frame filters (--method, --exchange, --from, ...) only sessions with a matching frame
// are listed. Exit status: 0 listed, 1 no session matched.
int print_sessions(const InputSet& inputs, const Selection& selection,
                   const SessionListOptions& options, std::ostream& out, std::ostream& err);

}  // namespace amqpprox::analyze
