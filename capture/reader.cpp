#include "reader.hpp"

#include <charconv>
#include <filesystem>
#include <variant>

#include "frame_query.hpp"
#include "spool_file.hpp"
#include "sqlite.hpp"

namespace amqpprox::capture {
namespace {

using Where = WhereClause;

int major_of(const std::string& version) {
    int major = -1;
    std::from_chars(version.data(), version.data() + version.size(), major);
    return major;
}

}  // namespace

CaptureReader::CaptureReader(std::string path, std::unique_ptr<Database> db, CaptureMeta meta)
    : m_path(std::move(path)), m_db(std::move(db)), m_meta(std::move(meta)) {}
CaptureReader::CaptureReader(CaptureReader&&) noexcept = default;
CaptureReader& CaptureReader::operator=(CaptureReader&&) noexcept = default;
CaptureReader::~CaptureReader() = default;

tl::expected<CaptureReader, CaptureError> CaptureReader::open(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        return tl::unexpected(CaptureError{path + ": no such file"});
    }
    if (std::filesystem::is_directory(path, ec)) {
        return tl::unexpected(CaptureError{path + ": is a directory, not a capture file"});
    }
    std::unique_ptr<Database> db;
    CaptureMeta meta;
    try {
        db = std::make_unique<Database>(path, Database::Mode::read_only);
        auto has_meta = db->prepare(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
        has_meta.step();
        if (has_meta.integer(0) == 0) {
            return tl::unexpected(CaptureError{
                path + ": not an amqpprox capture (an SQLite file without a meta table)"});
        }
        auto rows = db->prepare("SELECT key, value FROM meta");
        while (rows.step()) {
            const auto key = rows.text(0);
            auto value = rows.text(1);
            if (key == "format")
                meta.format = value;
            else if (key == "format_version")
                meta.format_version = value;
            else if (key == "producer")
                meta.producer = value;
            else if (key == "producer_version")
                meta.producer_version = value;
            else if (key == "created_ns")
                meta.created_ns = std::stoll(value);
            else if (key == "source")
                meta.source = value;
            else if (key == "bodies")
                meta.bodies = value;
            else if (key == "redaction")
                meta.redaction = value;
            else if (key == "file_index")
                meta.file_index = value;
        }
    } catch (const SqliteError& e) {
        const std::string what = e.what();
        if (what.find("file is not a database") != std::string::npos) {
            return tl::unexpected(
                CaptureError{path + ": not a capture file (not an SQLite database)"});
        }
        return tl::unexpected(CaptureError{what});
    } catch (const std::exception& e) {
        return tl::unexpected(CaptureError{path + ": unreadable meta data: " + e.what()});
    }
    if (meta.format != kFormatName) {
        return tl::unexpected(
            CaptureError{path + ": not an amqpprox capture (format '" + meta.format + "')"});
    }
    const int major = major_of(meta.format_version);
    if (major == 1) {
        return tl::unexpected(CaptureError{
            path + ": capture format " + meta.format_version +
            " is no longer read by this build (it reads " + std::to_string(kFormatMajor) +
            ".x, whose frames are indexed per chunk); record the capture again"});
    }
    if (major < 1) {
        return tl::unexpected(CaptureError{path + ": unreadable capture format version '" +
                                           meta.format_version + "'"});
    }
    if (major > kFormatMajor) {
        return tl::unexpected(CaptureError{
            path + ": capture format " + meta.format_version + " is newer than this build reads (" +
            std::to_string(kFormatMajor) + ".x); use a newer amqpprox"});
    }
    return CaptureReader(path, std::move(db), std::move(meta));
}

std::vector<SessionRow> CaptureReader::sessions(const RecordFilter& filter) const {
    Where w;
    if (!filter.sessions.empty()) {
        w.add("id IN (" + placeholders(filter.sessions.size()) + ")");
        for (const auto s : filter.sessions)
            w.values.emplace_back(static_cast<std::int64_t>(s));
    }
    if (filter.vhost) {
        w.add("vhost = ?");
        w.values.emplace_back(*filter.vhost);
    }
    auto s = m_db->prepare(
        "SELECT id, start_ns, end_ns, client_address, proxy_address, backend_address, backend, "
        "vhost, user, connection_name, client_properties, server_properties, client_tls, "
        "backend_tls, close_code, close_text, closed_by, frames, bytes, frames_lost FROM sessions" +
        w.sql + " ORDER BY id");
    w.bind(s);
    std::vector<SessionRow> rows;
    while (s.step()) {
        SessionRow r;
        r.start.id = static_cast<SessionId>(s.integer(0));
        r.start.start_ns = s.integer(1);
        r.end_ns = s.optional_integer(2);
        r.start.client_address = s.text(3);
        r.start.proxy_address = s.text(4);
        r.start.backend_address = s.text(5);
        r.start.backend = s.text(6);
        r.vhost = s.text(7);
        r.user = s.text(8);
        r.connection_name = s.text(9);
        r.client_properties = s.text(10);
        r.server_properties = s.text(11);
        r.start.client_tls = s.integer(12) != 0;
        r.start.backend_tls = s.integer(13) != 0;
        if (const auto code = s.optional_integer(14))
            r.close_code = static_cast<std::uint16_t>(*code);
        r.close_text = s.text(15);
        r.closed_by = closed_by_from_string(s.text(16)).value_or(ClosedBy::unknown);
        r.frames = static_cast<std::uint64_t>(s.integer(17));
        r.bytes = static_cast<std::uint64_t>(s.integer(18));
        r.frames_lost = static_cast<std::uint64_t>(s.integer(19));
        rows.push_back(std::move(r));
    }
    return rows;
}

std::vector<Gap> CaptureReader::gaps() const {
    auto s = m_db->prepare(
        "SELECT session, ts_ns, direction, frames, bytes, reason FROM gaps ORDER BY ts_ns, id");
    std::vector<Gap> gaps;
    while (s.step()) {
        Gap g;
        if (const auto session = s.optional_integer(0))
            g.session = static_cast<SessionId>(*session);
        g.ts_ns = s.integer(1);
        if (const auto d = s.optional_integer(2)) g.direction = static_cast<Direction>(*d);
        g.frames = static_cast<std::uint64_t>(s.integer(3));
        g.bytes = static_cast<std::uint64_t>(s.integer(4));
        g.reason =
            s.text(5) == "missing bytes" ? GapReason::missing_bytes : GapReason::writer_overflow;
        gaps.push_back(g);
    }
    return gaps;
}

CaptureTotals CaptureReader::totals() const {
    CaptureTotals t;
    auto sessions = m_db->prepare(
        "SELECT count(*), count(*) FILTER (WHERE end_ns IS NULL), coalesce(sum(frames_lost), 0) "
        "FROM sessions");
    sessions.step();
    t.sessions = static_cast<std::uint64_t>(sessions.integer(0));
    t.open_sessions = static_cast<std::uint64_t>(sessions.integer(1));
    auto frames = m_db->prepare(
        "SELECT count(*), coalesce(sum(CASE WHEN type = 0 THEN size ELSE size + 8 END), 0), "
        "coalesce(sum(length(payload)), 0), min(ts_ns), max(ts_ns) FROM frames");
    frames.step();
    t.frames = static_cast<std::uint64_t>(frames.integer(0));
    t.wire_bytes = static_cast<std::uint64_t>(frames.integer(1));
    t.stored_bytes = static_cast<std::uint64_t>(frames.integer(2));
    t.first_ns = frames.optional_integer(3);
    t.last_ns = frames.optional_integer(4);
    auto gaps = m_db->prepare("SELECT count(*), coalesce(sum(frames), 0) FROM gaps");
    gaps.step();
    t.gaps = static_cast<std::uint64_t>(gaps.integer(0));
    t.frames_lost = static_cast<std::uint64_t>(gaps.integer(1));
    t.spooled_frames = spooled_frames();
    return t;
}

std::uint64_t CaptureReader::spooled_frames() const {
    std::uint64_t frames = 0;
    const auto through = read_spooled_through(*m_db);
    for (const auto& entry : scan_spool_file(spool_file_name(m_path), through).entries)
        frames += entry.frames;
    return frames;
}

void CaptureReader::for_each(const RecordFilter& filter, RecordOrder order,
                             const std::function<bool(const Record&)>& visit) const {
    auto cursor = records(filter, order);
    while (const auto* record = cursor.next()) {
        if (!visit(*record)) break;
    }
}

RecordCursor CaptureReader::records(const RecordFilter& filter, RecordOrder order) const {
    return RecordCursor(std::make_unique<FrameQuery>(*m_db, filter, order));
}

RecordCursor::RecordCursor(std::unique_ptr<FrameQuery> query) : m_query(std::move(query)) {}
RecordCursor::RecordCursor(RecordCursor&&) noexcept = default;
RecordCursor& RecordCursor::operator=(RecordCursor&&) noexcept = default;
RecordCursor::~RecordCursor() = default;

const Record* RecordCursor::next() {
    const auto* record = m_query->next();
    if (record) m_row = m_query->row();
    return record;
}

std::uint64_t CaptureReader::count(const RecordFilter& filter) const {
    return FrameQuery::count(*m_db, filter);
}

}  // namespace amqpprox::capture
