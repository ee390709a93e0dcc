#include "schema.hpp"

#include "sqlite.hpp"

namespace amqpprox::capture {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sessions (
    id                INTEGER PRIMARY KEY,
    start_ns          INTEGER NOT NULL,
    end_ns            INTEGER,
    client_address    TEXT NOT NULL DEFAULT '',
    proxy_address     TEXT NOT NULL DEFAULT '',
    backend_address   TEXT NOT NULL DEFAULT '',
    backend           TEXT NOT NULL DEFAULT '',
    vhost             TEXT NOT NULL DEFAULT '',
    user              TEXT NOT NULL DEFAULT '',
    connection_name   TEXT NOT NULL DEFAULT '',
    client_properties TEXT NOT NULL DEFAULT '{}',
    server_properties TEXT NOT NULL DEFAULT '{}',
    client_tls        INTEGER NOT NULL DEFAULT 0,
    backend_tls       INTEGER NOT NULL DEFAULT 0,
    close_code        INTEGER,
    close_text        TEXT NOT NULL DEFAULT '',
    closed_by         TEXT,
    frames            INTEGER NOT NULL DEFAULT 0,
    bytes             INTEGER NOT NULL DEFAULT 0,
    frames_lost       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_vhost ON sessions(vhost);

CREATE TABLE frames (
    id           INTEGER PRIMARY KEY,
    session      INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    ts_ns        INTEGER NOT NULL,
    direction    INTEGER NOT NULL,
    channel      INTEGER NOT NULL,
    type         INTEGER NOT NULL,
    method       INTEGER,
    size         INTEGER NOT NULL,
    exchange     TEXT,
    routing_key  TEXT,
    queue        TEXT,
    consumer_tag TEXT,
    delivery_tag INTEGER,
    payload      BLOB NOT NULL
);
CREATE INDEX frames_session ON frames(session, seq);
CREATE INDEX frames_ts ON frames(ts_ns);
CREATE INDEX frames_method ON frames(method) WHERE method IS NOT NULL;
CREATE INDEX frames_exchange ON frames(exchange, routing_key) WHERE exchange IS NOT NULL;
CREATE INDEX frames_routing_key ON frames(routing_key) WHERE routing_key IS NOT NULL;
CREATE INDEX frames_queue ON frames(queue) WHERE queue IS NOT NULL;

CREATE TABLE gaps (
    id        INTEGER PRIMARY KEY,
    session   INTEGER,
    ts_ns     INTEGER NOT NULL,
    direction INTEGER,
    frames    INTEGER NOT NULL DEFAULT 0,
    bytes     INTEGER NOT NULL DEFAULT 0,
    reason    TEXT NOT NULL
);
)sql";

}  // namespace

void create_schema(Database& db, const CaptureMeta& meta) {
    db.exec("BEGIN");
    db.exec(kSchema);
    auto insert = db.prepare("INSERT INTO meta(key, value) VALUES (?, ?)");
    const std::pair<const char*, std::string> rows[] = {
        {"format", meta.format},
        {"format_version", meta.format_version},
        {"producer", meta.producer},
        {"producer_version", meta.producer_version},
        {"created_ns", std::to_string(meta.created_ns)},
        {"source", meta.source},
        {"bodies", meta.bodies},
        {"redaction", meta.redaction},
        {"file_index", meta.file_index},
    };
    for (const auto& [key, value] : rows)
        insert.bind(1, key).bind(2, value).run();
    db.exec("COMMIT");
}

}  // namespace amqpprox::capture
