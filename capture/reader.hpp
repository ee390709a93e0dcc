// Reads a capture file: its meta data, sessions, gaps, and records with filters that the
// database's indexes serve. Opening checks that the file is a capture of a version this
// build understands.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "record.hpp"
#include "schema.hpp"

namespace amqpprox::capture {

class Database;

struct CaptureError {
    std::string message;  // says what is wrong with which file
};

struct RecordFilter {
    std::vector<SessionId> sessions;   // any of these (empty: all)
    std::optional<std::string> vhost;  // sessions on this vhost
    std::optional<std::uint16_t> channel;
    std::vector<std::uint32_t> methods;  // method keys (class_id << 16 | method_id); empty: all
    std::optional<std::string> exchange;
    std::optional<std::string> routing_key;
    std::optional<std::string> queue;
    std::optional<std::int64_t> from_ns;  // inclusive
    std::optional<std::int64_t> to_ns;    // exclusive
};

enum class RecordOrder {
    session,  // by session, then by sequence number
    time,     // all sessions interleaved by timestamp
};

struct CaptureTotals {
    std::uint64_t sessions = 0;
    std::uint64_t open_sessions = 0;  // no end recorded (still running, or the writer died)
    std::uint64_t frames = 0;
    std::uint64_t wire_bytes = 0;    // frame bytes on the wire
    std::uint64_t stored_bytes = 0;  // payload bytes kept in the file
    std::optional<std::int64_t> first_ns;
    std::optional<std::int64_t> last_ns;
    std::uint64_t gaps = 0;
    std::uint64_t frames_lost = 0;
};

class CaptureReader {
public:
    static tl::expected<CaptureReader, CaptureError> open(const std::string& path);
    CaptureReader(CaptureReader&&) noexcept;
    CaptureReader& operator=(CaptureReader&&) noexcept;
    ~CaptureReader();

    const std::string& path() const { return m_path; }
    const CaptureMeta& meta() const { return m_meta; }

    std::vector<SessionRow> sessions(const RecordFilter& filter = {}) const;
    std::vector<Gap> gaps() const;
    CaptureTotals totals() const;

    // Calls `visit` for each matching record in `order`; stops early when it returns false.
    void for_each(const RecordFilter& filter, RecordOrder order,
                  const std::function<bool(const Record&)>& visit) const;
    std::uint64_t count(const RecordFilter& filter) const;

private:
    CaptureReader(std::string path, std::unique_ptr<Database> db, CaptureMeta meta);

    std::string m_path;
    std::unique_ptr<Database> m_db;
    CaptureMeta m_meta;
};

}  // namespace amqpprox::capture
