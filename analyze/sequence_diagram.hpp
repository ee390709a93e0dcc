// The methods of one session drawn as a sequence diagram: three lanes (client, proxy,
// broker) and one arrow per method frame in the order the proxy saw them, labelled with the
// method and its arguments as `trace` prints them. Inline SVG, capped at a number of arrows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "capture/record.hpp"
#include "inputs.hpp"

namespace amqpprox::analyze {

struct SequenceArrow {
    std::int64_t ts_ns = 0;
    capture::Direction direction{};
    std::uint16_t channel = 0;
    std::string text;  // "Basic.Publish exchange=\"x\" ..." (not escaped; cut when long)
};

struct SequenceDiagram {
    std::string session;  // its label
    std::int64_t start_ns = 0;
    std::vector<SequenceArrow> arrows;  // at most the limit
    std::uint64_t methods = 0;          // all method frames selected, drawn or not
    std::uint64_t undecodable = 0;      // drawn as "undecodable method frame"
};

// The protocol header and method frames of `session` that `selection`'s frame filters keep
// (its session list is replaced by `session`); the first `limit` become arrows.
SequenceDiagram collect_sequence(const InputSet& inputs, const Selection& selection,
                                 const SessionInfo& session, std::size_t limit);

// <svg class="sequence"> with lanes and one <g class="arrow c2b|b2c"> per arrow, and a
// note (class "cut-note") when more methods were selected than drawn.
std::string render_sequence(const SequenceDiagram& diagram);

}  // namespace amqpprox::analyze
