// The result of a replay, per session, and its three forms: text for people, JSON for tools,
// JUnit XML for CI. The exit code follows from it: 0 equal, 1 different, 2 error.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "diff.hpp"
#include "latency.hpp"

namespace amqpprox::replay {

enum class SessionStatus : std::uint8_t {
    equal,
    different,
    error,    // the session could not be replayed (unreachable, refused, timed out)
    skipped,  // nothing to replay: the recording holds no completed handshake
};

std::string_view to_string(SessionStatus status);

struct SessionResult {
    std::string label;
    SessionStatus status = SessionStatus::equal;
    std::string error;              // what went wrong, for status error
    bool cut_in_recording = false;  // the recording ends without a Connection.Close
    std::size_t recorded_frames = 0;
    std::size_t replayed_frames = 0;
    std::vector<Difference> differences;
    std::vector<std::string> notes;  // the plan's warnings
    std::vector<LatencySample> latencies;
    // From the end of the replay's handshake to its last step sent and the broker's answer
    // to it received (or the timeout): the replay's own pace, for benchmarks.
    std::int64_t replay_ns = 0;

    bool operator==(const SessionResult&) const = default;
};

// A session's result from its diff: equal or different.
SessionResult compare_session(std::string label, const std::vector<Frame>& recorded,
                              const std::vector<Frame>& replayed, const DiffOptions& options);

struct Report {
    std::vector<SessionResult> sessions;

    int exit_code() const;  // 2 when any session failed, else 1 when any differs, else 0
};

void write_text(std::ostream& out, const Report& report);
void write_json(std::ostream& out, const Report& report);
void write_junit(std::ostream& out, const Report& report);

}  // namespace amqpprox::replay
