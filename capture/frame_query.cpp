#include "frame_query.hpp"

#include <algorithm>
#include <limits>

#include "sqlite.hpp"

namespace amqpprox::capture {
namespace {

constexpr const char* kRecordColumns =
    "session, seq, ts_ns, direction, channel, type, method, size, exchange, routing_key, queue, "
    "consumer_tag, delivery_tag, payload, id";

using Value = std::variant<std::int64_t, std::string>;

// Every condition of the filter, as format 1 ran it against indexed columns.
WhereClause residual_of(const RecordFilter& f) {
    WhereClause w;
    if (!f.sessions.empty()) {
        w.add("session IN (" + placeholders(f.sessions.size()) + ")");
        for (const auto s : f.sessions)
            w.values.emplace_back(static_cast<std::int64_t>(s));
    }
    if (f.vhost) {
        w.add("session IN (SELECT id FROM sessions WHERE vhost = ?)");
        w.values.emplace_back(*f.vhost);
    }
    if (f.channel) {
        w.add("channel = ?");
        w.values.emplace_back(std::int64_t{*f.channel});
    }
    if (!f.methods.empty()) {
        w.add("method IN (" + placeholders(f.methods.size()) + ")");
        for (const auto m : f.methods)
            w.values.emplace_back(std::int64_t{m});
    }
    if (f.exchange) {
        w.add("exchange = ?");
        w.values.emplace_back(*f.exchange);
    }
    if (f.routing_key) {
        w.add("routing_key = ?");
        w.values.emplace_back(*f.routing_key);
    }
    if (f.queue) {
        w.add("queue = ?");
        w.values.emplace_back(*f.queue);
    }
    if (f.from_ns) {
        w.add("ts_ns >= ?");
        w.values.emplace_back(*f.from_ns);
    }
    if (f.to_ns) {
        w.add("ts_ns < ?");
        w.values.emplace_back(*f.to_ns);
    }
    if (f.after_row) {
        w.add("id > ?");
        w.values.emplace_back(*f.after_row);
    }
    return w;
}

std::vector<std::int64_t> vhost_sessions(Database& db, const std::string& vhost) {
    auto s = db.prepare("SELECT id FROM sessions WHERE vhost = ? ORDER BY id");
    s.bind(1, std::string_view(vhost));
    std::vector<std::int64_t> ids;
    while (s.step())
        ids.push_back(s.integer(0));
    return ids;
}

// The sessions a filter allows (nullopt: all).
std::optional<std::vector<std::int64_t>> allowed_sessions(Database& db, const RecordFilter& f) {
    std::optional<std::vector<std::int64_t>> ids;
    if (!f.sessions.empty()) {
        ids.emplace();
        for (const auto s : f.sessions)
            ids->push_back(static_cast<std::int64_t>(s));
        std::sort(ids->begin(), ids->end());
        ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
    }
    if (f.vhost) {
        auto in_vhost = vhost_sessions(db, *f.vhost);
        if (ids) {
            std::vector<std::int64_t> both;
            std::set_intersection(ids->begin(), ids->end(), in_vhost.begin(), in_vhost.end(),
                                  std::back_inserter(both));
            in_vhost = std::move(both);
        }
        ids = std::move(in_vhost);
    }
    return ids;
}

// The key to narrow by: names are rarer than sessions, sessions rarer than methods.
std::optional<FrameQuery::Key> key_of(Database& db, const RecordFilter& f) {
    using Key = FrameQuery::Key;
    if (f.exchange) return Key{KeyKind::exchange, {*f.exchange}};
    if (f.queue) return Key{KeyKind::queue, {*f.queue}};
    if (f.routing_key) return Key{KeyKind::routing_key, {*f.routing_key}};
    if (auto ids = allowed_sessions(db, f)) {
        Key key{KeyKind::session, {}};
        for (const auto id : *ids)
            key.values.emplace_back(id);
        return key;
    }
    if (!f.methods.empty()) {
        Key key{KeyKind::method, {}};
        for (const auto m : f.methods)
            key.values.emplace_back(std::int64_t{m});
        return key;
    }
    return std::nullopt;
}

void read_record(const Statement& s, Record& r) {
    r.session = static_cast<SessionId>(s.integer(0));
    r.seq = static_cast<std::uint64_t>(s.integer(1));
    r.ts_ns = s.integer(2);
    r.direction = static_cast<Direction>(s.integer(3));
    r.channel = static_cast<std::uint16_t>(s.integer(4));
    r.type = static_cast<amqp::FrameType>(s.integer(5));
    r.method.reset();
    if (const auto m = s.optional_integer(6)) r.method = static_cast<std::uint32_t>(*m);
    r.size = static_cast<std::uint32_t>(s.integer(7));
    r.exchange = s.optional_text(8);
    r.routing_key = s.optional_text(9);
    r.queue = s.optional_text(10);
    r.consumer_tag = s.optional_text(11);
    r.delivery_tag.reset();
    if (const auto tag = s.optional_integer(12)) r.delivery_tag = static_cast<std::uint64_t>(*tag);
    const auto payload = s.blob(13);
    r.payload.assign(payload.begin(), payload.end());
}

// Min-heap order for the time merge: earliest timestamp first, then the earlier row.
struct Later {
    template <typename P>
    bool operator()(const P& a, const P& b) const {
        return a.record.ts_ns != b.record.ts_ns ? a.record.ts_ns > b.record.ts_ns : a.row > b.row;
    }
};

}  // namespace

int WhereClause::bind(Statement& s, int first) const {
    int i = first;
    for (const auto& v : values) {
        std::visit([&](const auto& x) { s.bind(i++, x); }, v);
    }
    return i;
}

std::string placeholders(std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i)
        out += i == 0 ? "?" : ", ?";
    return out;
}

FrameQuery::FrameQuery(Database& db, const RecordFilter& filter, RecordOrder order)
    : FrameQuery(db, filter, order, kRecordColumns) {}

FrameQuery::FrameQuery(Database& db, const RecordFilter& filter, RecordOrder order,
                       const char* columns)
    : m_db(db), m_filter(filter), m_order(order), m_residual(residual_of(filter)) {
    if (order == RecordOrder::session) {
        // Within a session, row order is sequence order: the writer numbers a session's
        // frames in the order it queues them.
        // The sessions with frames in this file (sessions.frames is committed with them).
        auto s = db.prepare("SELECT id FROM sessions WHERE frames > 0 ORDER BY id");
        const auto allowed = allowed_sessions(db, filter);
        while (s.step()) {
            const auto id = s.integer(0);
            if (!allowed || std::binary_search(allowed->begin(), allowed->end(), id))
                m_sessions.push_back(id);
        }
        return;  // next() starts a pass per session
    }
    start_pass(key_of(db, filter), columns);
}

FrameQuery::~FrameQuery() = default;

void FrameQuery::start_pass(const std::optional<Key>& key, const char* columns) {
    m_key = key;
    m_chunks.clear();
    m_next_chunk = 0;
    m_rows_open = false;
    if (m_key && m_key->values.empty()) return;  // e.g. a vhost without sessions
    std::string sql =
        "SELECT id, first_frame, last_frame, min_ns, max_ns, in_order FROM chunks WHERE 1";
    WhereClause chunk_where;
    if (m_key) {
        // A lookup per chunk: frame_keys is ordered by chunk first (by key first in 2.0).
        sql +=
            " AND EXISTS (SELECT 1 FROM frame_keys WHERE chunk = chunks.id AND kind = ? AND "
            "value IN (" +
            placeholders(m_key->values.size()) + "))";
        chunk_where.values.emplace_back(std::string(to_string(m_key->kind)));
        for (const auto& v : m_key->values)
            chunk_where.values.push_back(v);
    }
    if (m_filter.after_row) {
        sql += " AND last_frame > ?";
        chunk_where.values.emplace_back(*m_filter.after_row);
    }
    if (m_filter.from_ns) {
        sql += " AND max_ns >= ?";
        chunk_where.values.emplace_back(*m_filter.from_ns);
    }
    if (m_filter.to_ns) {
        sql += " AND min_ns < ?";
        chunk_where.values.emplace_back(*m_filter.to_ns);
    }
    auto chunks = m_db.prepare(sql + " ORDER BY id");
    chunk_where.bind(chunks);
    while (chunks.step())
        m_chunks.push_back({chunks.integer(0), chunks.integer(1), chunks.integer(2),
                            chunks.integer(3), chunks.integer(4), chunks.integer(5) != 0});
    m_min_ns_from.assign(m_chunks.size() + 1, std::numeric_limits<std::int64_t>::max());
    for (std::size_t i = m_chunks.size(); i-- > 0;)
        m_min_ns_from[i] = std::min(m_min_ns_from[i + 1], m_chunks[i].min_ns);

    // The frames of one chunk: those its keys list, or all of its rows.
    std::string rows = std::string("SELECT ") + columns + " FROM frames WHERE ";
    if (m_key) {
        rows +=
            "id IN (SELECT ? + j.value FROM frame_keys AS k, json_each(k.frames) AS j "
            "WHERE k.kind = ? AND k.value IN (" +
            placeholders(m_key->values.size()) + ") AND k.chunk = ?)";
    } else {
        rows += "id BETWEEN ? AND ?";
    }
    if (!m_residual.sql.empty()) rows += " AND " + m_residual.sql.substr(7);  // " WHERE "
    rows += " ORDER BY id";
    m_rows = std::make_unique<Statement>(m_db.prepare(rows));
}

bool FrameQuery::open_next_chunk() {
    if (m_next_chunk >= m_chunks.size()) return false;
    const auto& chunk = m_chunks[m_next_chunk++];
    auto& s = *m_rows;
    s.reset();
    int i = 1;
    if (m_key) {
        s.bind(i++, chunk.first_frame);
        s.bind(i++, to_string(m_key->kind));
        for (const auto& v : m_key->values)
            std::visit([&](const auto& x) { s.bind(i++, x); }, v);
        s.bind(i++, chunk.id);
    } else {
        s.bind(i++, chunk.first_frame);
        s.bind(i++, chunk.last_frame);
    }
    m_residual.bind(s, i);
    m_rows_open = true;
    return true;
}

const Record* FrameQuery::next() {
    return m_order == RecordOrder::time ? next_in_time_order() : next_in_row_order();
}

const Record* FrameQuery::next_in_row_order() {
    while (true) {
        if (m_rows_open) {
            if (m_rows->step()) {
                read_record(*m_rows, m_record);
                m_row = m_rows->integer(14);
                return &m_record;
            }
            m_rows_open = false;
        }
        if (open_next_chunk()) continue;
        if (m_order != RecordOrder::session || m_next_session >= m_sessions.size()) return nullptr;
        start_pass(Key{KeyKind::session, {m_sessions[m_next_session++]}}, kRecordColumns);
    }
}

// Chunks follow each other in row order, their timestamps nearly so: a frame can be handed
// out once no chunk still unread starts earlier, which keeps only the overlap in memory.
const Record* FrameQuery::next_in_time_order() {
    if (m_rows_open) {  // streaming a chunk that needs no merge (below)
        if (m_rows->step()) {
            read_record(*m_rows, m_record);
            m_row = m_rows->integer(14);
            return &m_record;
        }
        m_rows_open = false;
    }
    // The usual case: a chunk in time order that ends before any later chunk starts (ties
    // go to it: its rows come first) streams straight through.
    if (m_pending.empty() && m_next_chunk < m_chunks.size()) {
        const auto& chunk = m_chunks[m_next_chunk];
        if (chunk.in_order && chunk.max_ns <= m_min_ns_from[m_next_chunk + 1]) {
            open_next_chunk();
            return next_in_time_order();
        }
    }
    while (m_next_chunk < m_chunks.size() &&
           (m_pending.empty() || m_pending.front().record.ts_ns > m_min_ns_from[m_next_chunk])) {
        open_next_chunk();
        while (m_rows->step()) {
            auto& p = m_pending.emplace_back();
            read_record(*m_rows, p.record);
            p.row = m_rows->integer(14);
            std::push_heap(m_pending.begin(), m_pending.end(), Later{});
        }
        m_rows_open = false;
    }
    if (m_pending.empty()) return nullptr;
    std::pop_heap(m_pending.begin(), m_pending.end(), Later{});
    m_record = std::move(m_pending.back().record);
    m_row = m_pending.back().row;
    m_pending.pop_back();
    return &m_record;
}

std::uint64_t FrameQuery::count(Database& db, const RecordFilter& filter) {
    const auto key = key_of(db, filter);
    if (!key && !filter.from_ns && !filter.to_ns) {
        const auto w = residual_of(filter);
        auto s = db.prepare("SELECT count(*) FROM frames" + w.sql);
        w.bind(s);
        s.step();
        return static_cast<std::uint64_t>(s.integer(0));
    }
    FrameQuery counter(db, filter, RecordOrder::row, "count(*)");
    std::uint64_t total = 0;
    while (counter.open_next_chunk()) {
        if (counter.m_rows->step()) total += static_cast<std::uint64_t>(counter.m_rows->integer(0));
    }
    return total;
}

}  // namespace amqpprox::capture
