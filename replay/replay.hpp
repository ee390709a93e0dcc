// amqp-replay as a library call: the options as typed on the command line, checked and turned
// into a plan, then printed (--dry-run) or run against the target.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "analyze/selection_options.hpp"
#include "target.hpp"
#include "tls_options.hpp"

namespace amqpprox::replay {

enum class ReportFormat : std::uint8_t { text, json, junit };

struct ReplayOptions {
    std::vector<std::string> inputs;
    analyze::SelectionOptions selection;
    std::string target;                   // amqp://... or amqps://...
    std::vector<std::string> vhost_maps;  // OLD=NEW
    std::vector<std::string> rewrites;    // exchange:OLD=NEW, queue:OLD=NEW
    std::string prefix;
    std::string speed = "max";   // max, or N times the recorded pace (1: as recorded)
    unsigned concurrency = 8;    // sessions at once
    unsigned timeout_ms = 5000;  // per awaited broker reply
    bool loose = false;          // ignore message and consumer counts in the diff
    ReportFormat format = ReportFormat::text;
    bool dry_run = false;
    // Paced speeds: run the sending thread under SCHED_FIFO (needs privilege; refused with
    // --speed max, where the sender would take a core from the broker).
    bool realtime = false;
    TlsOptions tls;      // --ca, --insecure (amqps targets)
    std::string record;  // capture file for the replayed traffic; empty: none
};

// "max" -> nullopt; "1", "2.5" -> the factor (> 0).
tl::expected<std::optional<double>, std::string> parse_speed(std::string_view text);

// Runs amqp-replay; returns its exit status (0 equal, 1 different, 2 error). The report goes
// to `out`, problems to `err`.
int run_replay(const ReplayOptions& options, std::ostream& out, std::ostream& err,
               const GetEnv& getenv);

}  // namespace amqpprox::replay
