// One capture file being written: creates the schema, holds the prepared inserts, wraps
// transactions. Used by the writer thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "record.hpp"
#include "schema.hpp"
#include "sqlite.hpp"

namespace amqpprox::capture {

class FileStore {
public:
    // Creates `path`, which must not exist yet. Throws SqliteError.
    FileStore(const std::string& path, const CaptureMeta& meta);
    ~FileStore();
    FileStore(const FileStore&) = delete;
    FileStore& operator=(const FileStore&) = delete;

    void begin() { m_db->exec("BEGIN"); }
    void commit() { m_db->exec("COMMIT"); }
    void insert(const Record& record);
    void insert(const Gap& gap);
    void upsert(const SessionRow& session);

    // Bytes on disk (database and write-ahead log).
    std::uint64_t size_bytes() const;
    const std::string& path() const { return m_path; }
    // Merges the write-ahead log into the file and closes it.
    void close();

private:
    std::string m_path;
    std::unique_ptr<Database> m_db;
    std::optional<Statement> m_insert_frame;
    std::optional<Statement> m_insert_gap;
    std::optional<Statement> m_upsert_session;
};

}  // namespace amqpprox::capture
