// Turns the sessions' cumulative counters into per-interval figures for STAT and StatsD.
// Every tick it is shown the live sessions' totals; it reports what changed since the previous
// tick per overall/vhost/backend/source view, plus the connection gauges. Sessions that end
// between ticks are handed in as they end, with their final totals, so their last traffic and
// their removal are counted in the next tick. Pure logic, not thread-safe: the caller locks.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "proxy/control/control_target.hpp"

namespace amqpprox::control {

// Cumulative since the session started. "in" is client to broker, "out" broker to client.
struct SessionTraffic {
    std::uint64_t in_packets = 0;
    std::uint64_t in_frames = 0;
    std::uint64_t in_bytes = 0;
    std::uint64_t out_packets = 0;
    std::uint64_t out_frames = 0;
    std::uint64_t out_bytes = 0;

    bool operator==(const SessionTraffic&) const = default;
};

// One session as the collector sees it. Empty vhost/backend keys (not known yet) are left
// out of those views; the source is always counted.
struct SessionSample {
    std::uint64_t id = 0;
    std::string vhost;
    std::string backend;          // "<host|ip>_<port>", as StatsD keys cannot hold ':'
    std::string backend_address;  // "<ip>:<port>", for Prometheus labels
    std::string source;           // client host name or IP, no port
    bool paused = false;
    bool auth_denied = false;
    bool limited = false;      // refused by a LIMIT: counted in limitedConnectionCount as it ends
    bool established = false;  // the handshake finished and frames passed through
    SessionTraffic traffic;
};

// How a session ended, as amqpprox's removedConnection* counters tell them apart.
enum class SessionEnd : std::uint8_t {
    graceful,        // an AMQP Close exchange, or the proxy closed it
    broker_snapped,  // the broker's connection dropped without a Close
    client_snapped,  // the client's connection dropped without a Close
};

class StatsCollector {
public:
    // A session ended since the last tick, with its final totals.
    void session_ended(SessionSample last, SessionEnd how);

    // The interval since the previous tick: traffic deltas of live and ended sessions,
    // gauges of the live ones, removals of the ended ones. Process stats and captures are
    // left for the caller to fill.
    StatsSnapshot tick(const std::vector<SessionSample>& live);

    // Sessions whose totals at the previous tick are remembered (for tests: no leaks).
    std::size_t remembered() const { return m_previous.size(); }

private:
    struct Ended {
        SessionSample last;
        SessionEnd how;
    };
    // Totals at the previous tick, per live session id.
    std::map<std::uint64_t, SessionTraffic> m_previous;
    std::vector<Ended> m_ended;
};

// A backend's stats key from its "ip:port": every ':' becomes '_'.
std::string backend_key(const std::string& address);

}  // namespace amqpprox::control
