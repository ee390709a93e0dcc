// `amqp-analyze trace`: one line per frame, in time order, across the selected sessions.
#pragma once

#include <chrono>
#include <cstddef>
#include <iosfwd>

#include "inputs.hpp"
#include "output_format.hpp"

namespace amqpprox::analyze {

struct TraceOptions {
    OutputFormat format = OutputFormat::text;  // text, or json (one object per line)
    std::size_t body_preview = 0;              // --bodies N
    bool heartbeats = false;                   // shown only when asked
    bool follow = false;                       // keep reading a capture that is being written
    std::chrono::milliseconds poll{250};       // how often --follow looks for new frames
    std::chrono::milliseconds idle_exit{
        0};  // --follow: stop after this long without frames (0: never)
};

// Exit status: 0 something printed, 1 nothing matched, 2 a frame could not be decoded
// (it is reported in place and the trace goes on).
int print_trace(const InputSet& inputs, const Selection& selection, const TraceOptions& options,
                std::ostream& out, std::ostream& err);

}  // namespace amqpprox::analyze
