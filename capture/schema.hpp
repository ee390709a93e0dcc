// The capture file format (v1): an SQLite 3 database with tables meta, sessions, frames
// and gaps. docs/capture-format.md documents it for users of the sqlite3 shell.
#pragma once

#include <cstdint>
#include <string>

namespace amqpprox::capture {

class Database;

inline constexpr const char* kFormatName = "amqpcap";
inline constexpr int kFormatMajor = 1;  // readers refuse a newer major version
inline constexpr int kFormatMinor = 0;  // additions readers may ignore

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

// Creates the tables and indexes and writes `meta` into a new, empty database.
void create_schema(Database& db, const CaptureMeta& meta);

}  // namespace amqpprox::capture
