// The spool of a live capture: batches kept whole (spool_codec.hpp) in a file beside it,
// NAME-spool, appended with plain writes while traffic is heavy. No SQLite page, log or
// checkpoint touches them until their rows are written; meta.spooled_through in the capture
// then says which batches are rows, in the transaction that wrote them, so that a batch is
// never written twice, even by a recovery after a crash.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>

#include "formats/amqp/bytes.hpp"
#include "unique_fd.hpp"

namespace amqpprox::capture {

// One batch in the spool file.
struct SpoolEntry {
    std::uint64_t seq = 0;     // 1, 2, ... over the capture file's life
    std::uint32_t frames = 0;  // in the batch
    std::uint64_t offset = 0;  // of the batch's blob in the file
    std::uint32_t length = 0;  // of the blob
    // When it was appended (a batch found by a scan counts as long spooled).
    std::chrono::steady_clock::time_point at{};
};

// What a spool file holds after `spooled_through`. `cut_bytes`: a record at the end that a
// crash cut short (never reported committed), left out.
struct SpoolScan {
    std::deque<SpoolEntry> entries;
    std::uint64_t cut_bytes = 0;
    std::uint64_t last_seq = 0;  // of every whole record, written as rows or not
};

class Database;

std::string spool_file_name(const std::string& capture_path);

// meta.spooled_through of a capture: the last spooled batch that is rows (0: none). Throws
// SqliteError when it is not a number.
std::uint64_t read_spooled_through(Database& db);

// Reads the record headers of `path` (no file: nothing spooled). Throws SqliteError when
// the file exists but cannot be read, or holds what is not a spool.
SpoolScan scan_spool_file(const std::string& path, std::uint64_t spooled_through);

class SpoolFile {
public:
    // Opens (creating) `path` to append to it, after the batches `scan` found there.
    // Throws SqliteError.
    SpoolFile(std::string path, SpoolScan scan = {});
    ~SpoolFile();
    SpoolFile(const SpoolFile&) = delete;
    SpoolFile& operator=(const SpoolFile&) = delete;

    // Appends a batch as number `seq`. Throws SqliteError (a full disk).
    void append(std::uint64_t seq, std::uint32_t frames, amqp::ByteView blob);
    const std::deque<SpoolEntry>& entries() const { return m_entries; }
    // The oldest batch's blob, read into `buffer`. Throws SqliteError.
    amqp::ByteView read_oldest(amqp::Bytes& buffer) const;
    // Forgets the batches through `seq` (their rows are committed); empties the file once
    // no batch is left.
    void written_through(std::uint64_t seq);
    // The file's size: the batches in it, and those before them that are rows already (the
    // file is emptied only once no batch is left).
    std::uint64_t size_bytes() const { return m_size; }
    // Closes the file, and removes it when no batch is left in it.
    void close();

private:
    std::string m_path;
    UniqueFd m_fd;
    std::deque<SpoolEntry> m_entries;
    std::uint64_t m_size = 0;
};

}  // namespace amqpprox::capture
