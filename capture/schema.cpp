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

-- One row per frame, in the order the writer committed them. No secondary indexes: each
-- per-row B-tree entry cost more than the row itself (docs/BENCHMARKS.md); chunks and
-- frame_keys below index frames per written block instead.
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

-- One row per block of consecutive frames the writer committed together.
CREATE TABLE chunks (
    id          INTEGER PRIMARY KEY,
    first_frame INTEGER NOT NULL,
    last_frame  INTEGER NOT NULL,
    frames      INTEGER NOT NULL,
    min_ns      INTEGER NOT NULL,
    max_ns      INTEGER NOT NULL,
    in_order    INTEGER NOT NULL  -- 1 when ts_ns never decreases from one frame to the next
);

-- Per chunk, per key (kind, value), the frames of the chunk that have it: a JSON array of
-- offsets from the chunk's first_frame. `value` has no type so that sessions and methods
-- stay integers and names stay text. Chunk first: each commit appends its rows at the end of
-- the B-tree. Keyed by (kind, value, chunk), a commit rewrote one 64 KiB page per distinct
-- key (session), a third of the writer's time (docs/BENCHMARKS.md); readers look a key up
-- chunk by chunk instead.
CREATE TABLE frame_keys (
    kind   TEXT NOT NULL,
    value  NOT NULL,
    chunk  INTEGER NOT NULL,
    frames TEXT NOT NULL,
    PRIMARY KEY (chunk, kind, value)
) WITHOUT ROWID;

-- Chunk by chunk (CROSS JOIN fixes the order): a key is then one primary-key lookup per
-- chunk, not a scan of every key of the file.
CREATE VIEW keyed_frames AS
SELECT k.kind AS kind, k.value AS value, c.first_frame + j.value AS frame
FROM chunks AS c
CROSS JOIN frame_keys AS k ON k.chunk = c.id
CROSS JOIN json_each(k.frames) AS j;

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

std::string_view to_string(KeyKind kind) {
    switch (kind) {
        case KeyKind::session:
            return "session";
        case KeyKind::method:
            return "method";
        case KeyKind::exchange:
            return "exchange";
        case KeyKind::routing_key:
            return "routing_key";
        case KeyKind::queue:
            return "queue";
    }
    return "?";
}

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
