#include "sqlite.hpp"

namespace amqpprox::capture {
namespace {

// Before the first connection: no global memory-statistics mutex (each connection is used
// by one thread at a time, and we never ask SQLite for its memory statistics).
const bool kConfigured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    return true;
}();

}  // namespace

Database::Database(const std::string& path, Mode mode) : m_path(path) {
    (void)kConfigured;
    const int flags =
        mode == Mode::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    m_db.reset(db);
    if (rc != SQLITE_OK) fail("cannot open");
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 5000);
}

void Database::fail(const char* what) const {
    const char* message = m_db ? sqlite3_errmsg(m_db.get()) : "out of memory";
    throw SqliteError(m_path + ": " + what + ": " + message);
}

void Database::exec(const char* sql) {
    if (sqlite3_exec(m_db.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail("query failed");
}

Statement Database::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(m_db.get(), sql.data(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
        fail("cannot prepare statement");
    }
    return Statement(*this, stmt);
}

Statement& Statement::bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(m_stmt.get(), index, value) != SQLITE_OK) m_db->fail("bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    // An empty text must still be text, not NULL: pass a non-null pointer.
    const char* data = text.data() != nullptr ? text.data() : "";
    if (sqlite3_bind_text64(m_stmt.get(), index, data, text.size(), SQLITE_STATIC, SQLITE_UTF8) !=
        SQLITE_OK) {
        m_db->fail("bind");
    }
    return *this;
}

Statement& Statement::bind(int index, amqp::ByteView blob) {
    // A zero-length blob must still be a blob, not NULL: pass a non-null pointer.
    static const std::byte empty{};
    const void* data = blob.empty() ? &empty : blob.data();
    if (sqlite3_bind_blob64(m_stmt.get(), index, data, blob.size(), SQLITE_STATIC) != SQLITE_OK) {
        m_db->fail("bind");
    }
    return *this;
}

Statement& Statement::bind_null(int index) {
    if (sqlite3_bind_null(m_stmt.get(), index) != SQLITE_OK) m_db->fail("bind");
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(m_stmt.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    m_db->fail("step");
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

void Statement::run_keeping_bindings() {
    while (step()) {
    }
    sqlite3_reset(m_stmt.get());
}

void Statement::reset() {
    sqlite3_reset(m_stmt.get());
    sqlite3_clear_bindings(m_stmt.get());
}

std::string Statement::text(int column) const {
    const auto* p = sqlite3_column_text(m_stmt.get(), column);
    const auto n = sqlite3_column_bytes(m_stmt.get(), column);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
             : std::string();
}

std::optional<std::string> Statement::optional_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return text(column);
}

std::optional<std::int64_t> Statement::optional_integer(int column) const {
    if (is_null(column)) return std::nullopt;
    return integer(column);
}

amqp::ByteView Statement::blob(int column) const {
    const auto* p = static_cast<const std::byte*>(sqlite3_column_blob(m_stmt.get(), column));
    const auto n = sqlite3_column_bytes(m_stmt.get(), column);
    return p ? amqp::ByteView(p, static_cast<std::size_t>(n)) : amqp::ByteView();
}

}  // namespace amqpprox::capture
