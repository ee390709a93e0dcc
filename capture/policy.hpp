// What a capture keeps, set when it is opened: body policy, credential redaction, overflow
// behaviour, flushing and rotation.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "thread_priority.hpp"

namespace amqpprox::capture {

struct BodyPolicy {
    enum class Kind : std::uint8_t { all, none, first };
    Kind kind = Kind::all;
    std::size_t bytes = 0;  // with Kind::first

    // "all", "none" or a byte count ("256"); otherwise an error saying what is accepted.
    static tl::expected<BodyPolicy, std::string> parse(std::string_view text);
    std::string to_string() const;  // the form parse() accepts
    // How many bytes of a body frame of `size` bytes to keep.
    std::size_t keep(std::size_t size) const {
        switch (kind) {
            case Kind::all:
                return size;
            case Kind::none:
                return 0;
            case Kind::first:
                return size < bytes ? size : bytes;
        }
        return size;
    }
    bool operator==(const BodyPolicy&) const = default;
};

// When the writer thread falls behind: drop frames and record the gap (never stalls the
// proxy), or block the caller until there is room (for tests that must be complete).
enum class OverflowPolicy : std::uint8_t { drop, block };

// How a file is written. live: write-ahead log; readers (trace --follow) see each batch as
// it commits, and a killed writer leaves a file that opens with every committed batch.
// bulk: for a file no one reads before it is closed (an import): the pages go straight
// into the file, with no log on disk and no syncs. Closed, both are the same kind of file. A
// killed bulk writer can leave a file that does not open, so the caller writes it under a
// name of its own and renames it.
enum class Durability : std::uint8_t { live, bulk };

struct Rotation {
    std::uint64_t max_bytes = 0;      // start a new file past this size (0: never)
    std::chrono::seconds max_age{0};  // or once a file is this old (0: never)
    bool enabled() const { return max_bytes != 0 || max_age.count() != 0; }
};

struct WriterOptions {
    BodyPolicy bodies;
    bool redact_credentials = true;
    OverflowPolicy overflow = OverflowPolicy::drop;
    std::size_t queue_capacity = 1 << 16;  // frames waiting for the writer thread
    // Payload bytes waiting for it: 65,536 frames of 128 KiB bodies would be 8 GiB. With the
    // batch being written, at most about twice this is held. A frame alone always fits.
    std::size_t queue_bytes = std::size_t{64} << 20;
    std::chrono::milliseconds flush_interval{250};  // a live capture is at most this far behind
    Rotation rotation;
    std::string source = "proxy";  // what the frames come from: "proxy", a pcap path, ...
    Durability durability = Durability::live;
    ThreadPriority priority = ThreadPriority::normal;  // of the writer and checkpoint threads
    // While traffic is heavy (the writer woken by a full batch), a live file keeps each batch
    // whole in its spool file (spool_file.hpp) and writes the batch's rows once traffic is
    // quiet and the host has a CPU to spare: the CPU that rows cost is then not taken from a
    // busy proxy and broker. A spooled batch becomes rows at the latest this long after it
    // was spooled, and all of them once the spool file passes spool_bytes (it empties only
    // with its last batch). 0 seconds: rows as batches arrive.
    std::chrono::seconds spool_age{10};
    std::uint64_t spool_bytes = std::uint64_t{1} << 30;
    // Called on the writer thread after each commit with the total frames committed so far.
    std::function<void(std::uint64_t committed_frames)> on_commit;
};

}  // namespace amqpprox::capture
