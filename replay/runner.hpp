// The network side of amqp-replay: one connection per session on one asio thread, each
// doing its own handshake with the target's credentials, then driven by a SessionDriver;
// sessions start as they did in the recording (at --speed N) within a concurrency bound.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "capture/writer.hpp"
#include "diff.hpp"
#include "plan.hpp"
#include "report.hpp"
#include "rewriter.hpp"
#include "target.hpp"
#include "tls_options.hpp"

namespace amqpprox::replay {

struct RunOptions {
    Target target;
    Credentials credentials;
    TlsOptions tls;               // amqps targets
    std::optional<double> speed;  // nullopt: max
    unsigned concurrency = 8;
    unsigned timeout_ms = 5000;
    DiffOptions diff;
    // The vhost each session opens.
    std::function<std::string(const SessionPlan&)> vhost;
    // --record: where the replayed traffic goes (nullptr: not recorded).
    capture::CaptureWriter* record = nullptr;
};

// Replays every session of the plan and compares what came back; never throws.
Report run_plan(const Plan& plan, const RewriteRules& rules, const RunOptions& options);

}  // namespace amqpprox::replay
