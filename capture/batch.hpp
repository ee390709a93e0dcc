// What the network threads queue for the capture writer between two of its wake-ups: the
// frames, their bytes in one arena, the session events in their places among the frames,
// and the frames dropped on a full queue. The writer turns a batch into rows (BatchRows),
// or, while traffic is heavy, keeps it whole in the file's spool (spool_codec.hpp).
#pragma once

#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "byte_arena.hpp"
#include "frame_row.hpp"
#include "record.hpp"

namespace amqpprox::capture {

struct BackendChosen {
    SessionId session = 0;
    std::string name;
    std::string address;
    bool tls = false;
    bool operator==(const BackendChosen&) const = default;
};

struct SessionEnd {
    SessionId session = 0;
    std::int64_t end_ns = 0;
    ClosedBy who = ClosedBy::unknown;
    bool operator==(const SessionEnd&) const = default;
};

// Someone waits until everything queued before it is in rows. Never spooled.
struct FlushRequest {
    std::shared_ptr<std::promise<void>> done;
};

using BatchEvent = std::variant<SessionStart, BackendChosen, SessionEnd, FlushRequest, Gap>;

// Frames of one session lost to a full queue while the batch was being gathered.
struct Dropped {
    std::int64_t first_ts_ns = 0;
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
};

struct Batch {
    std::vector<FrameRow> frames;                            // payloads and names view `bytes`
    std::vector<std::pair<std::size_t, BatchEvent>> events;  // each before frames[first]
    ByteArena bytes;
    std::map<SessionId, Dropped> dropped;

    bool empty() const { return frames.empty() && events.empty() && dropped.empty(); }
    bool has_flush() const;
    std::uint64_t payload_bytes() const;
    // Forgets the contents; keeps a burst's capacity while batches stay big.
    void clear();
};

}  // namespace amqpprox::capture
