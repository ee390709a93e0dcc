// `amqp-analyze sessions`: one line per session: who connected to which backend, as whom,
// what it did (channels, messages, bytes) and how it ended.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "inputs.hpp"
#include "output_format.hpp"

namespace amqpprox::analyze {

struct SessionListOptions {
    OutputFormat format = OutputFormat::text;
};

// One line of the list: the session and what it did.
struct SessionSummary {
    const SessionInfo* info = nullptr;
    std::size_t channels = 0;  // channels opened
    std::uint64_t published = 0;
    std::uint64_t delivered = 0;  // deliveries and get-oks
};

// The sessions the selection keeps, by start time, with their activity; with frame filters
// only those with a matching frame.
std::vector<SessionSummary> list_sessions(const InputSet& inputs, const Selection& selection);

// The columns of the text list, for other renderings of the same list (the HTML report).
std::vector<std::string> session_columns();
std::vector<std::string> session_cells(const SessionSummary& summary);

// With frame filters (--method, --exchange, --from, ...) only sessions with a matching frame
// are listed. Exit status: 0 listed, 1 no session matched.
int print_sessions(const InputSet& inputs, const Selection& selection,
                   const SessionListOptions& options, std::ostream& out, std::ostream& err);

}  // namespace amqpprox::analyze
