#include "file_store.hpp"

#include <filesystem>

namespace amqpprox::capture {

FileStore::FileStore(const std::string& path, const CaptureMeta& meta) : m_path(path) {
    if (std::filesystem::exists(path)) {
        throw SqliteError(path + ": capture file exists (choose another name or remove it)");
    }
    m_db = std::make_unique<Database>(path, Database::Mode::read_write_create);
    // WAL: readers (amqp-analyze trace --follow) see committed batches while we write;
    // synchronous=NORMAL: a killed process loses nothing committed, only a power cut
    // can lose the last batches.
    m_db->exec("PRAGMA page_size = 8192");
    m_db->exec("PRAGMA journal_mode = WAL");
    m_db->exec("PRAGMA synchronous = NORMAL");
    m_db->exec("PRAGMA cache_size = -65536");
    m_db->exec("PRAGMA temp_store = MEMORY");
    create_schema(*m_db, meta);
    m_insert_frame = m_db->prepare(
        "INSERT INTO frames(session, seq, ts_ns, direction, channel, type, method, size, "
        "exchange, routing_key, queue, consumer_tag, delivery_tag, payload) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    m_insert_gap = m_db->prepare(
        "INSERT INTO gaps(session, ts_ns, direction, frames, bytes, reason) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    m_upsert_session = m_db->prepare(
        "INSERT INTO sessions(id, start_ns, end_ns, client_address, proxy_address, "
        "backend_address, backend, vhost, user, connection_name, client_properties, "
        "server_properties, client_tls, backend_tls, close_code, close_text, closed_by, frames, "
        "bytes, frames_lost) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET end_ns = excluded.end_ns, "
        "backend_address = excluded.backend_address, backend = excluded.backend, "
        "vhost = excluded.vhost, user = excluded.user, "
        "connection_name = excluded.connection_name, "
        "client_properties = excluded.client_properties, "
        "server_properties = excluded.server_properties, backend_tls = excluded.backend_tls, "
        "close_code = excluded.close_code, close_text = excluded.close_text, "
        "closed_by = excluded.closed_by, frames = excluded.frames, bytes = excluded.bytes, "
        "frames_lost = excluded.frames_lost");
}

FileStore::~FileStore() {
    try {
        close();
    } catch (const std::exception&) {
        // Closing is best effort here; close() reports errors to callers that ask.
    }
}

void FileStore::insert(const Record& r) {
    auto& s = *m_insert_frame;
    s.bind(1, static_cast<std::int64_t>(r.session));
    s.bind(2, static_cast<std::int64_t>(r.seq));
    s.bind(3, r.ts_ns);
    s.bind(4, static_cast<std::int64_t>(r.direction));
    s.bind(5, std::int64_t{r.channel});
    s.bind(6, static_cast<std::int64_t>(r.type));
    if (r.method) s.bind(7, std::int64_t{*r.method});
    s.bind(8, std::int64_t{r.size});
    if (r.exchange) s.bind(9, std::string_view(*r.exchange));
    if (r.routing_key) s.bind(10, std::string_view(*r.routing_key));
    if (r.queue) s.bind(11, std::string_view(*r.queue));
    if (r.consumer_tag) s.bind(12, std::string_view(*r.consumer_tag));
    if (r.delivery_tag) s.bind(13, static_cast<std::int64_t>(*r.delivery_tag));
    s.bind(14, amqp::ByteView(r.payload));
    s.run();
}

void FileStore::insert(const Gap& g) {
    auto& s = *m_insert_gap;
    if (g.session) s.bind(1, static_cast<std::int64_t>(*g.session));
    s.bind(2, g.ts_ns);
    if (g.direction) s.bind(3, static_cast<std::int64_t>(*g.direction));
    s.bind(4, static_cast<std::int64_t>(g.frames));
    s.bind(5, static_cast<std::int64_t>(g.bytes));
    s.bind(6, to_string(g.reason));
    s.run();
}

void FileStore::upsert(const SessionRow& row) {
    auto& s = *m_upsert_session;
    const auto& start = row.start;
    s.bind(1, static_cast<std::int64_t>(start.id));
    s.bind(2, start.start_ns);
    s.bind(3, row.end_ns);
    s.bind(4, std::string_view(start.client_address));
    s.bind(5, std::string_view(start.proxy_address));
    s.bind(6, std::string_view(start.backend_address));
    s.bind(7, std::string_view(start.backend));
    s.bind(8, std::string_view(row.vhost));
    s.bind(9, std::string_view(row.user));
    s.bind(10, std::string_view(row.connection_name));
    s.bind(11, std::string_view(row.client_properties));
    s.bind(12, std::string_view(row.server_properties));
    s.bind(13, std::int64_t{start.client_tls});
    s.bind(14, std::int64_t{start.backend_tls});
    if (row.close_code) s.bind(15, std::int64_t{*row.close_code});
    s.bind(16, std::string_view(row.close_text));
    if (row.closed_by != ClosedBy::unknown) s.bind(17, to_string(row.closed_by));
    s.bind(18, static_cast<std::int64_t>(row.frames));
    s.bind(19, static_cast<std::int64_t>(row.bytes));
    s.bind(20, static_cast<std::int64_t>(row.frames_lost));
    s.run();
}

std::uint64_t FileStore::size_bytes() const {
    std::error_code ec;
    std::uint64_t total = std::filesystem::file_size(m_path, ec);
    if (ec) total = 0;
    const auto wal = std::filesystem::file_size(m_path + "-wal", ec);
    return ec ? total : total + wal;
}

void FileStore::close() {
    if (!m_db) return;
    m_insert_frame.reset();
    m_insert_gap.reset();
    m_upsert_session.reset();
    // Statistics for the query planner, so that a query on a rare exchange uses the exchange
    // index rather than the method index; analysis_limit keeps this fast on big files.
    m_db->exec("PRAGMA analysis_limit = 1000; ANALYZE");
    m_db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    m_db.reset();
}

}  // namespace amqpprox::capture
