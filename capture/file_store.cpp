#include "file_store.hpp"

#include <algorithm>
#include <filesystem>
#include <string>

namespace amqpprox::capture {
namespace {

// Multi-row INSERTs: one statement step per 64 frames instead of per frame.
constexpr std::size_t kRowsPerInsert = 64;
// Frames per chunk: small enough that a time range or a rare key skips most of a file,
// big enough that the chunk and key rows cost little next to the frames.
constexpr std::size_t kChunkFrames = 4096;
constexpr int kFrameColumns = 14;
constexpr int kPageBytes = 65536;
// A live file's log: copied into the file in the background from 32 MiB on (SQLite's own
// checkpoints start at 1,000 pages, 64 MiB at this page size), started over every 128 MiB.
constexpr int kBackgroundCheckpointPages = (32 << 20) / kPageBytes;
constexpr int kRestartLogPages = (128 << 20) / kPageBytes;

// Without `id`: SQLite numbers the rows max(id) + 1, which is cheaper than checking an id we
// give (a B-tree search per row), and gives the same ids: frames are only ever appended,
// from 1, by this writer (end_chunk() checks). OR FAIL: a multi-row INSERT that may ABORT
// keeps a statement journal (each statement would copy the 64 KiB page it appends to);
// FAIL needs none, and a failure ends the writer anyway, rolling the transaction back.
std::string insert_frames_sql(std::size_t rows) {
    std::string sql =
        "INSERT OR FAIL INTO frames(session, seq, ts_ns, direction, channel, type, method, "
        "size, exchange, routing_key, queue, consumer_tag, delivery_tag, payload) VALUES ";
    for (std::size_t i = 0; i < rows; ++i)
        sql += i == 0 ? "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)" : ",(?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    return sql;
}

// Binds every column, NULLs included, so that the statement's bindings need no clearing.
void bind_frame(Statement& s, int base, const FrameRow& r) {
    s.bind(base + 1, static_cast<std::int64_t>(r.session));
    s.bind(base + 2, static_cast<std::int64_t>(r.seq));
    s.bind(base + 3, r.ts_ns);
    s.bind(base + 4, static_cast<std::int64_t>(r.direction));
    s.bind(base + 5, std::int64_t{r.channel});
    s.bind(base + 6, static_cast<std::int64_t>(r.type));
    s.bind(base + 7, r.method ? std::optional<std::int64_t>(*r.method) : std::nullopt);
    s.bind(base + 8, std::int64_t{r.size});
    s.bind(base + 9, r.exchange);
    s.bind(base + 10, r.routing_key);
    s.bind(base + 11, r.queue);
    s.bind(base + 12, r.consumer_tag);
    s.bind(base + 13, r.delivery_tag
                          ? std::optional<std::int64_t>(static_cast<std::int64_t>(*r.delivery_tag))
                          : std::nullopt);
    s.bind(base + 14, r.payload);
}

}  // namespace

FileStore::FileStore(const std::string& path, const CaptureMeta& meta, Durability durability,
                     ThreadPriority checkpoint_priority)
    : m_path(path), m_durability(durability) {
    if (std::filesystem::exists(path)) {
        throw SqliteError(path + ": capture file exists (choose another name or remove it)");
    }
    m_db = std::make_unique<Database>(path, Database::Mode::read_write_create);
    m_db->exec(("PRAGMA page_size = " + std::to_string(kPageBytes)).c_str());
    open_database(durability);
    create_schema(*m_db, meta);
    m_lock = WriterLock::try_lock(path);
    prepare_statements(checkpoint_priority);
}

FileStore::FileStore(const std::string& path, Reopen) : m_path(path) {
    if (!std::filesystem::exists(path)) throw SqliteError(path + ": no such capture file");
    m_lock = WriterLock::try_lock(path);
    if (!m_lock) {
        throw SqliteError(path + ": a running amqpprox is writing this capture (it turns its " +
                          "spool into rows itself)");
    }
    m_db = std::make_unique<Database>(path, Database::Mode::read_write_create);
    open_database(Durability::live);
    // Ids go on from the file's last frame and chunk, as if this writer had written them.
    auto last = m_db->prepare(
        "SELECT (SELECT coalesce(max(id), 0) FROM frames), "
        "(SELECT coalesce(max(id), 0) FROM chunks)");
    if (last.step()) {
        m_next_frame = last.integer(0) + 1;
        m_next_chunk = last.integer(1) + 1;
    }
    // The batches a killed writer left spooled, after those its last transactions made rows.
    auto scan = scan_spool_file(spool_file_name(path), read_spooled_through(*m_db));
    m_spool_seq = scan.last_seq;
    m_spool_cut_bytes = scan.cut_bytes;
    if (!scan.entries.empty() || scan.cut_bytes > 0) {
        m_spool = std::make_unique<SpoolFile>(spool_file_name(path), std::move(scan));
    }
    prepare_statements(ThreadPriority::normal);
}

void FileStore::open_database(Durability durability) {
    m_durability = durability;
    if (durability == Durability::live) {
        // WAL: readers (amqp-analyze trace --follow) see committed batches while we write;
        // synchronous=NORMAL: a killed process loses nothing committed, only a power cut
        // can lose the last batches.
        m_db->exec("PRAGMA journal_mode = WAL");
        m_db->exec("PRAGMA synchronous = NORMAL");
    } else {
        // Each page is written once, into the file: no log to copy it from at checkpoints.
        // The rollback journal stays in memory so that a failed batch still rolls back
        // (frames are appended to new pages, which it does not copy).
        m_db->exec("PRAGMA journal_mode = MEMORY");
        m_db->exec("PRAGMA synchronous = OFF");
    }
    m_db->exec("PRAGMA cache_size = -65536");
    m_db->exec("PRAGMA temp_store = MEMORY");
}

void FileStore::prepare_statements(ThreadPriority checkpoint_priority) {
    if (m_durability == Durability::live) {
        m_checkpointer = std::make_unique<Checkpointer>(*m_db, m_path, kBackgroundCheckpointPages,
                                                        kRestartLogPages, checkpoint_priority);
    }
    m_insert_frame = m_db->prepare(insert_frames_sql(1));
    m_insert_frames = m_db->prepare(insert_frames_sql(kRowsPerInsert));
    m_insert_chunk = m_db->prepare(
        "INSERT INTO chunks(id, first_frame, last_frame, frames, min_ns, max_ns, in_order) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    m_insert_key =
        m_db->prepare("INSERT INTO frame_keys(kind, value, chunk, frames) VALUES (?, ?, ?, ?)");
    m_chunk.reserve(kChunkFrames);
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
    m_set_spooled_through =
        m_db->prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('spooled_through', ?)");
}

FileStore::~FileStore() {
    try {
        close();
    } catch (const std::exception&) {
        // Closing is best effort here; close() reports errors to callers that ask.
    }
}

void FileStore::begin() {
    // A chunk never spans transactions. One left open here was cut short by a failure,
    // and its records (and the values its statements still point to) are gone.
    m_chunk.clear();
    m_keys.clear();
    m_written = 0;
    m_unspooled = 0;
    m_insert_frame->reset();
    m_insert_frames->reset();
    m_insert_key->reset();
    if (m_checkpointer) m_checkpointer->before_transaction();
    m_db->exec("BEGIN");
}

void FileStore::append(const FrameRow& row) {
    m_keys.add(static_cast<std::uint32_t>(m_chunk.size()), row);
    m_chunk.push_back(&row);
    if (m_chunk.size() - m_written == kRowsPerInsert) {
        insert_rows(m_written, kRowsPerInsert);
        m_written += kRowsPerInsert;
    }
    if (m_chunk.size() == kChunkFrames) end_chunk();
}

void FileStore::insert_rows(std::size_t first, std::size_t count) {
    auto& s = count == kRowsPerInsert ? *m_insert_frames : *m_insert_frame;
    for (std::size_t i = 0; i < count; ++i) {
        const auto row = first + i;
        bind_frame(s, static_cast<int>(count == kRowsPerInsert ? i : 0) * kFrameColumns,
                   *m_chunk[row]);
        if (count != kRowsPerInsert) s.run_keeping_bindings();
    }
    if (count == kRowsPerInsert) s.run_keeping_bindings();
    m_last_frame_id = m_db->last_insert_rowid();
}

void FileStore::end_chunk() {
    if (m_chunk.empty()) return;
    for (; m_written < m_chunk.size(); ++m_written)
        insert_rows(m_written, 1);
    const auto frames = static_cast<std::int64_t>(m_chunk.size());
    if (m_last_frame_id != m_next_frame + frames - 1) {
        throw SqliteError(m_path +
                          ": frame ids out of step (the frames table was written by "
                          "someone else)");
    }
    const auto by_time = [](const FrameRow* a, const FrameRow* b) { return a->ts_ns < b->ts_ns; };
    const auto [min, max] = std::minmax_element(m_chunk.begin(), m_chunk.end(), by_time);
    const bool in_order = std::is_sorted(m_chunk.begin(), m_chunk.end(), by_time);
    m_insert_chunk->bind(1, m_next_chunk)
        .bind(2, m_next_frame)
        .bind(3, m_next_frame + frames - 1)
        .bind(4, frames)
        .bind(5, (*min)->ts_ns)
        .bind(6, (*max)->ts_ns)
        .bind(7, std::int64_t{in_order})
        .run();
    m_keys.for_each([&](KeyKind kind, const KeyValue& value, const std::string& offsets) {
        auto& s = *m_insert_key;
        s.bind(1, to_string(kind));
        std::visit([&](const auto& v) { s.bind(2, v); }, value);
        s.bind(3, m_next_chunk).bind(4, std::string_view(offsets));
        s.run();
    });
    m_keys.clear();
    m_chunk.clear();
    m_written = 0;
    m_next_frame += frames;
    ++m_next_chunk;
}

void FileStore::commit() {
    end_chunk();
    m_db->exec("COMMIT");
    if (m_unspooled != 0) {
        m_spool->written_through(m_unspooled);
        m_unspooled = 0;
    }
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

void FileStore::spool(amqp::ByteView batch, std::uint32_t frames) {
    if (!m_spool) m_spool = std::make_unique<SpoolFile>(spool_file_name(m_path));
    m_spool->append(++m_spool_seq, frames, batch);
}

amqp::ByteView FileStore::read_oldest_spooled() {
    // The last batch's buffer, if it held large bodies (up to the queue's 64 MiB), is not
    // held on to.
    if (m_spool_read.capacity() > (std::size_t{16} << 20)) amqp::Bytes().swap(m_spool_read);
    return m_spool->read_oldest(m_spool_read);
}

const std::deque<SpoolEntry>& FileStore::spooled() const {
    static const std::deque<SpoolEntry> kNone;
    return m_spool ? m_spool->entries() : kNone;
}

void FileStore::unspool(std::uint64_t seq) {
    // Numbers are text in meta, like its other values.
    const auto text = std::to_string(seq);
    m_set_spooled_through->bind(1, std::string_view(text)).run();
    m_unspooled = seq;
}

std::uint64_t FileStore::size_bytes() const {
    std::error_code ec;
    std::uint64_t total = std::filesystem::file_size(m_path, ec);
    if (ec) total = 0;
    const auto wal = std::filesystem::file_size(m_path + "-wal", ec);
    if (!ec) total += wal;
    return total + spool_file_bytes();
}

void FileStore::close() {
    if (!m_db) return;
    // A chunk is open here only when a failure interrupted a batch, whose records are gone:
    // its transaction is rolled back on closing, so drop it.
    m_chunk.clear();
    m_keys.clear();
    m_insert_frame.reset();
    m_insert_frames.reset();
    m_insert_chunk.reset();
    m_insert_key.reset();
    m_insert_gap.reset();
    m_upsert_session.reset();
    m_set_spooled_through.reset();
    if (m_spool) m_spool->close();  // removed when empty
    m_checkpointer.reset();
    // A finished capture is one self-contained file in rollback mode: readers then create no
    // -wal and -shm files beside it, and can read it in a directory they cannot write. Leaving
    // WAL needs the file to ourselves; while a reader follows it, it stays in WAL, emptied.
    // (Bulk files are not synced, like a copied file: the kernel writes them back, and what a
    // power cut takes can be imported again.)
    try {
        m_db->exec("PRAGMA journal_mode = DELETE");
    } catch (const SqliteError&) {
        if (m_durability == Durability::live) m_db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    m_db.reset();
    m_lock.reset();
}

}  // namespace amqpprox::capture
