// `amqp-analyze trace FILE.pcap` straight from the packets: reassembly, framing and the
// printer in one pass, without importing the file into a scratch capture first. The lines
// are the same, in the same order, as the trace of the imported capture: frames in time
// order (ties in the order they were found), a gap before the frames no earlier than it.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "capture/pcap_source.hpp"
#include "inputs.hpp"
#include "selection_options.hpp"
#include "trace.hpp"

namespace amqpprox::analyze {

// Whether the direct path can print this trace. Filters on sessions or on a vhost need every
// session known before the first line (a session's vhost comes with its Connection.Open,
// after frames that are printed before it): those traces import the pcap first.
bool can_trace_pcap_directly(const std::vector<std::string>& inputs,
                             const SelectionOptions& selection, const TraceOptions& options);

// The trace's exit status, or nullopt when the file is not one the direct path reads (not a
// classic pcap, cut short, timestamps going back): nothing has been printed then, and the
// caller goes the import way.
std::optional<int> trace_pcap_directly(const std::string& path,
                                       const capture::PcapImportOptions& pcap,
                                       const Selection& selection, const TraceOptions& options,
                                       std::ostream& out, std::ostream& err);

}  // namespace amqpprox::analyze
