// One capture file being written: creates the schema, holds the prepared inserts, wraps
// transactions, and cuts the frames into chunks indexed by frame_keys. Used by the writer
// thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkpointer.hpp"
#include "chunk_index.hpp"
#include "frame_row.hpp"
#include "policy.hpp"
#include "record.hpp"
#include "schema.hpp"
#include "spool_file.hpp"
#include "sqlite.hpp"
#include "writer_lock.hpp"

namespace amqpprox::capture {

class FileStore {
public:
    // Creates `path`, which must not exist yet. Throws SqliteError.
    FileStore(const std::string& path, const CaptureMeta& meta,
              Durability durability = Durability::live,
              ThreadPriority checkpoint_priority = ThreadPriority::normal);
    // Opens a capture file that a writer left, to go on appending to it (recovering its
    // spool). Throws SqliteError, also when a running writer still has the file.
    struct Reopen {};
    FileStore(const std::string& path, Reopen);
    ~FileStore();
    FileStore(const FileStore&) = delete;
    FileStore& operator=(const FileStore&) = delete;

    void begin();
    // Ends the open chunk, so a transaction always holds whole chunks with their keys.
    void commit();
    // Adds a frame to the open chunk. The row is written by a later append() or commit():
    // it, and what it views, must stay valid and unchanged until commit().
    void append(const FrameRow& row);
    void insert(const Gap& gap);
    void upsert(const SessionRow& session);

    // Keeps a batch whole (spool_codec.hpp) in the spool file (spool_file.hpp): committed
    // when this returns, as far as a killed process goes.
    void spool(amqp::ByteView batch, std::uint32_t frames);
    // The batches spooled and not yet rows, oldest first.
    const std::deque<SpoolEntry>& spooled() const;
    // The oldest of them (spooled() not empty), valid until the next call. Throws
    // SqliteError.
    amqp::ByteView read_oldest_spooled();
    // Bytes of the spool file (rows already written count until it empties).
    std::uint64_t spool_file_bytes() const { return m_spool ? m_spool->size_bytes() : 0; }
    // Inside the transaction that writes spooled batch `seq`'s rows: records that it is rows
    // (meta.spooled_through). The spool forgets it once the transaction commits.
    void unspool(std::uint64_t seq);

    // Reopen: bytes at the end of the spool file that a crash cut short (a batch that was
    // never reported committed), dropped.
    std::uint64_t spool_cut_bytes() const { return m_spool_cut_bytes; }
    // Bytes on disk (database, write-ahead log and spool).
    std::uint64_t size_bytes() const;
    const std::string& path() const { return m_path; }
    // Merges the write-ahead log into the file, leaves WAL mode when no reader is on the file,
    // and closes it.
    void close();

private:
    void open_database(Durability durability);
    void prepare_statements(ThreadPriority checkpoint_priority);
    void insert_rows(std::size_t first, std::size_t count);
    void end_chunk();

    std::string m_path;
    Durability m_durability;
    std::unique_ptr<Database> m_db;
    std::optional<WriterLock> m_lock;          // held while the file is open for writing
    std::optional<Statement> m_insert_frame;   // one row
    std::optional<Statement> m_insert_frames;  // kRowsPerInsert rows
    std::optional<Statement> m_insert_chunk;
    std::optional<Statement> m_insert_key;
    std::int64_t m_next_frame = 1;  // the id of the next frame appended
    // The id SQLite gave the last frame inserted: read right after the insert, as
    // last_insert_rowid() moves with inserts into any table (gaps, sessions).
    std::int64_t m_last_frame_id = 0;
    std::int64_t m_next_chunk = 1;
    std::vector<const FrameRow*> m_chunk;  // the open chunk's frames
    std::size_t m_written = 0;             // of m_chunk, already inserted
    ChunkIndex m_keys;
    std::optional<Statement> m_insert_gap;
    std::optional<Statement> m_upsert_session;
    std::optional<Statement> m_set_spooled_through;
    std::unique_ptr<SpoolFile> m_spool;   // opened by the first spool(), or found by Reopen
    std::uint64_t m_spool_seq = 0;        // the last batch spooled
    std::uint64_t m_spool_cut_bytes = 0;  // Reopen: a record a crash cut short
    std::uint64_t m_unspooled = 0;        // made rows by the open transaction: through this
    amqp::Bytes m_spool_read;             // the oldest batch, read back
    std::unique_ptr<Checkpointer> m_checkpointer;  // live files: copies the log into the file
};

}  // namespace amqpprox::capture
