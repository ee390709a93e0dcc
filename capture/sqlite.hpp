// Minimal RAII over the SQLite C API: a connection and prepared statements. Failures are
// environment errors (disk, permissions, corruption) and surface as SqliteError.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "formats/amqp/bytes.hpp"

namespace amqpprox::capture {

class SqliteError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Statement;

class Database {
public:
    enum class Mode { read_only, read_write_create };

    Database(const std::string& path, Mode mode);

    void exec(const char* sql);
    Statement prepare(std::string_view sql);
    std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(m_db.get()); }
    sqlite3* handle() const { return m_db.get(); }
    [[noreturn]] void fail(const char* what) const;

private:
    struct Close {
        void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
    };
    std::unique_ptr<sqlite3, Close> m_db;
    std::string m_path;
};

class Statement {
public:
    Statement(const Database& db, sqlite3_stmt* stmt) : m_db(&db), m_stmt(stmt) {}

    // Binding, 1-based like SQLite. nullopt binds NULL. Text and blobs are not copied: they
    // must stay valid until the statement is reset (run() and the next bind do that).
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, amqp::ByteView blob);
    Statement& bind_null(int index);
    template <typename T>
    Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind_null(index);
    }

    // true while a row is available.
    bool step();
    // Runs to completion and resets for reuse.
    void run();
    // The same, keeping the bindings: for callers that bind every parameter before each run
    // (clearing hundreds of them per run costs more than the binding).
    void run_keeping_bindings();
    void reset();

    bool is_null(int column) const {
        return sqlite3_column_type(m_stmt.get(), column) == SQLITE_NULL;
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(m_stmt.get(), column); }
    std::string text(int column) const;
    std::optional<std::string> optional_text(int column) const;
    std::optional<std::int64_t> optional_integer(int column) const;
    amqp::ByteView blob(int column) const;

private:
    struct Finalize {
        void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
    };
    const Database* m_db;
    std::unique_ptr<sqlite3_stmt, Finalize> m_stmt;
};

}  // namespace amqpprox::capture
