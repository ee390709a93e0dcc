// Query planning over format-2 captures: frames have no per-row indexes, so a filter's
// most selective key (exchange, queue, routing key, session, method) picks the chunks whose
// frame_keys list it and, within them, exactly the frames listed; a time range or a resume
// row skips whole chunks by their ranges. Every condition of the filter is also checked on
// each frame read (the residual), so the keys only ever narrow what is read.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "reader.hpp"
#include "schema.hpp"

namespace amqpprox::capture {

class Database;
class Statement;

// A WHERE clause and its bound values, built from a filter.
struct WhereClause {
    std::string sql;
    std::vector<std::variant<std::int64_t, std::string>> values;

    void add(const std::string& condition) {
        sql += (sql.empty() ? " WHERE " : " AND ") + condition;
    }
    // Binds the values from parameter `first` on; returns the next parameter's index.
    int bind(Statement& s, int first = 1) const;
};

std::string placeholders(std::size_t n);

// The frames a filter selects, in one of the reader's orders.
class FrameQuery {
public:
    FrameQuery(Database& db, const RecordFilter& filter, RecordOrder order);
    ~FrameQuery();
    FrameQuery(const FrameQuery&) = delete;
    FrameQuery& operator=(const FrameQuery&) = delete;

    // The next frame, or nullptr at the end; valid until the next call.
    const Record* next();
    std::int64_t row() const { return m_row; }

    static std::uint64_t count(Database& db, const RecordFilter& filter);

    struct Key {
        KeyKind kind;
        std::vector<std::variant<std::int64_t, std::string>> values;  // any of these
    };
    struct Chunk {
        std::int64_t id, first_frame, last_frame, min_ns, max_ns;
        bool in_order;
    };

private:
    FrameQuery(Database& db, const RecordFilter& filter, RecordOrder order, const char* columns);
    // Starts a walk in row order over the frames having `key` (all frames when nullopt).
    void start_pass(const std::optional<Key>& key, const char* columns);
    bool open_next_chunk();
    const Record* next_in_row_order();
    const Record* next_in_time_order();

    Database& m_db;
    const RecordFilter m_filter;
    const RecordOrder m_order;
    WhereClause m_residual;
    std::optional<Key> m_key;              // drives the current pass
    std::vector<std::int64_t> m_sessions;  // RecordOrder::session: one pass per session
    std::size_t m_next_session = 0;
    std::vector<Chunk> m_chunks;              // of the current pass, in row order
    std::vector<std::int64_t> m_min_ns_from;  // [i]: the earliest timestamp in chunks i...
    std::size_t m_next_chunk = 0;
    std::unique_ptr<Statement> m_rows;  // the open chunk's frames
    bool m_rows_open = false;
    struct Pending {
        Record record;
        std::int64_t row;
    };
    std::vector<Pending> m_pending;  // RecordOrder::time: a min-heap on (ts_ns, row)
    Record m_record;
    std::int64_t m_row = 0;
};

}  // namespace amqpprox::capture
