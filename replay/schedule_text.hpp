// The plan as text, for --dry-run: per session each step with its offset, the method as it
// will be sent (user rules applied), and what it waits for; then the rewrites.
#pragma once

#include <optional>
#include <ostream>

#include "plan.hpp"
#include "rewriter.hpp"
#include "target.hpp"

namespace amqpprox::replay {

struct ScheduleHeader {
    Target target;
    Credentials credentials;
    std::optional<double> speed;  // nullopt: max
    unsigned concurrency = 0;
    unsigned timeout_ms = 0;
};

std::string describe(const Wait& wait);

// The vhost a session connects to: --vhost-map, else the target's, else the recorded one.
std::string session_vhost(const SessionPlan& session, const Target& target,
                          const Rewriter& rewriter);

void write_schedule(std::ostream& out, const ScheduleHeader& header, const Plan& plan,
                    const Rewriter& rewriter);

}  // namespace amqpprox::replay
