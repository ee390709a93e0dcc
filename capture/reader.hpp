// Reads a capture file: its meta data, sessions, gaps, and records with filters that the
// chunk index serves (frame_query.hpp). Opening checks that the file is a capture of a version this
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
class Statement;

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
    std::optional<std::int64_t> from_ns;    // inclusive
    std::optional<std::int64_t> to_ns;      // exclusive
    std::optional<std::int64_t> after_row;  // only rows written after this one (see RecordCursor)
};

enum class RecordOrder {
    session,  // by session, then by sequence number
    time,     // all sessions interleaved by timestamp
    row,      // in the order the writer committed them (for tailing a live file)
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
    // Frames the writer kept whole in its spool, not yet rows (none of the counts above
    // include them): a running proxy turns them into rows once the host is quiet, a killed
    // one left them for `amqp-analyze recover`.
    std::uint64_t spooled_frames = 0;
};

class FrameQuery;

// A pull-style walk over matching records, for merging several files and for tailing a file
// that is being written. Holds a read transaction's statement: keep it shorter-lived than the
// reader it came from.
class RecordCursor {
public:
    RecordCursor(RecordCursor&&) noexcept;
    RecordCursor& operator=(RecordCursor&&) noexcept;
    ~RecordCursor();

    // The next matching record, or nullptr at the end; valid until the next call.
    const Record* next();
    // The file's row number of the record `next` returned: rows grow in the order the writer
    // committed them, so `RecordFilter::after_row` resumes a walk where it stopped.
    std::int64_t row() const { return m_row; }

private:
    friend class CaptureReader;
    explicit RecordCursor(std::unique_ptr<FrameQuery> query);

    std::unique_ptr<FrameQuery> m_query;
    std::int64_t m_row = 0;
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
    // Frames in the spool, not yet rows (CaptureTotals::spooled_frames), cheaply.
    std::uint64_t spooled_frames() const;

    // Calls `visit` for each matching record in `order`; stops early when it returns false.
    void for_each(const RecordFilter& filter, RecordOrder order,
                  const std::function<bool(const Record&)>& visit) const;
    RecordCursor records(const RecordFilter& filter, RecordOrder order) const;
    std::uint64_t count(const RecordFilter& filter) const;

private:
    CaptureReader(std::string path, std::unique_ptr<Database> db, CaptureMeta meta);

    std::string m_path;
    std::unique_ptr<Database> m_db;
    CaptureMeta m_meta;
};

}  // namespace amqpprox::capture
