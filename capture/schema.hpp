// The capture file format (v2): an SQLite 3 database with tables meta, sessions, frames,
// chunks, frame_keys and gaps, and beside a live file its spool (spool_file.hpp).
// docs/capture-format.md documents it for users of the sqlite3 shell.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace amqpprox::capture {

class Database;

inline constexpr const char* kFormatName = "amqpcap";
inline constexpr int kFormatMajor = 2;  // readers refuse any other major version
// Additions, and changes readers need not know of: 2.1 orders frame_keys by chunk first;
// 2.2 adds the spool (a file beside a live capture) and meta.spooled_through.
inline constexpr int kFormatMinor = 2;

// The meta table as key/value text.
struct CaptureMeta {
    std::string format = kFormatName;
    std::string format_version = std::to_string(kFormatMajor) + "." + std::to_string(kFormatMinor);
    std::string producer = "amqpprox";
    std::string producer_version;
    std::int64_t created_ns = 0;
    std::string source;      // "proxy", or the pcap the frames came from
    std::string bodies;      // body policy: all, none, or a byte count
    std::string redaction;   // "credentials" or "off"
    std::string file_index;  // "1", "2", ... for rotated files
};

// Creates the tables, indexes and views and writes `meta` into a new, empty database.
void create_schema(Database& db, const CaptureMeta& meta);

// The key kinds of frame_keys, as stored in its `kind` column.
enum class KeyKind : std::uint8_t { session, method, exchange, routing_key, queue };
inline constexpr std::size_t kKeyKinds = 5;
std::string_view to_string(KeyKind kind);

}  // namespace amqpprox::capture
