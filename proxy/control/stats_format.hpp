// Text the control socket prints for live state: STAT snapshots (json or human, amqpprox's
// layout), CONN lines and CAPTURE PRINT lines. Pure formatting of ControlTarget's structs.
#pragma once

#include <cstdint>
#include <string>

#include "proxy/control/control_target.hpp"

namespace amqpprox::control {

enum class StatFormat : std::uint8_t { json, human };

// Which part of a snapshot STAT LISTEN shows.
struct StatView {
    enum class Kind : std::uint8_t { all, overall, process, vhost, backend, source, captures };
    Kind kind = Kind::all;
    std::string name;  // with vhost, backend and source

    bool operator==(const StatView&) const = default;
};

struct StatListen {
    StatFormat format = StatFormat::human;
    StatView view;

    bool operator==(const StatListen&) const = default;
};

// One STAT LISTEN output, ending in a newline. A vhost/backend/source not in the snapshot
// shows zeros, as amqpprox does.
std::string format_stats(const StatsSnapshot& snapshot, const StatListen& listen);

// 1023 -> "1023 B", 1536 -> "1.5 KB", up to GB (six significant digits).
std::string human_bytes(std::uint64_t bytes);

// One CONN line (no newline), e.g. "id=1 vhost=/ disconnected=N paused=N authDenied=N
// ingressRemote=... outPackets=0 1700000000:12".
std::string format_session(const SessionSummary& session);

// One CAPTURE PRINT line (no newline), e.g. "/tmp/a.amqpcap vhost=/ bodies=all sessions=2
// written=120 dropped=0".
std::string format_capture(const CaptureInfo& capture);

}  // namespace amqpprox::control
