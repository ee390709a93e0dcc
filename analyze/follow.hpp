// `amqp-analyze follow`: whole messages (the method, its properties and its body put back
// together from their frames) in time order, printed, or written one file per body with -o.
// With --amqp-stream it follows amqp-stream connections instead (amqp_stream_follow.hpp).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>

#include "inputs.hpp"
#include "message_assembler.hpp"
#include "output_format.hpp"

namespace amqpprox::analyze {

struct FollowOptions {
    OutputFormat format = OutputFormat::text;  // text, or json (one object per message)
    std::size_t body_preview = 64;             // printable body bytes shown (0: none)
    std::optional<std::string> output_dir;     // -o: write each body (and messages.jsonl) here
    bool amqp_stream = false;                  // --amqp-stream
};

// Frames are read with only the session, vhost and time filters; the others (channel, method,
// exchange, routing key, queue) select messages, since header and body frames carry none.
Selection message_read_selection(const Selection& selection);
bool selects(const Selection& selection, const Message& message);

// Exit status: 0 messages shown, 1 none matched, 2 a frame could not be decoded or the output
// directory could not be written. Messages the capture holds only in part (a cut body, a gap)
// are shown, marked, and counted on stderr.
int follow_messages(const InputSet& inputs, const Selection& selection,
                    const FollowOptions& options, std::ostream& out, std::ostream& err);

}  // namespace amqpprox::analyze
