// Turns batches into rows of one capture file: learns each session's facts from its
// Connection methods, redacts credentials, appends the frames and keeps the sessions' rows
// up to date, one transaction per batch. The writer thread's, or recovery's, alone.
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "batch.hpp"
#include "formats/amqp/bytes.hpp"
#include "formats/amqp/methods.hpp"
#include "record.hpp"

namespace amqpprox::capture {

class FileStore;

class BatchRows {
public:
    explicit BatchRows(bool redact_credentials) : m_redact(redact_credentials) {}

    // Writes `batch` into `store` in one transaction and returns the payload bytes stored.
    // `spooled_seq`: the spooled batch it is (0: none), marked as rows in that transaction.
    // Throws SqliteError; the transaction is then rolled back.
    std::uint64_t write(FileStore& store, Batch& batch, std::uint64_t spooled_seq = 0);
    // Writes the oldest batch spooled in `store` as rows (decoded into `scratch`) and returns
    // its frame count. Throws SqliteError, also for a batch that does not decode.
    std::uint32_t write_oldest_spooled(FileStore& store, Batch& scratch);

    // Redacts the credentials in the batch's Connection methods, as write() does: for a
    // batch about to be spooled, so that no password reaches the file in any form. The
    // redacted payloads are held until the next write() or redact().
    void redact(Batch& batch);

    // Continues a session whose row is already in the file (recovering a spool).
    void resume(const SessionRow& row);
    // A new file of a rotation: each open session starts over in it with its own row.
    void start_file(FileStore& store);

private:
    struct OpenSession {
        SessionRow row;
        bool dirty = false;  // changed in the batch being written: in m_dirty
    };

    // The open session `id`, created empty when unknown (`created` says so).
    OpenSession& session(SessionId id, bool& created);
    OpenSession& session(SessionId id);
    void mark_dirty(SessionId id, OpenSession& session);
    void apply(FrameRow& row, OpenSession& session, bool created);
    void redact(FrameRow& row, const amqp::Method& method);
    void handle(FileStore& store, BatchEvent& event);

    const bool m_redact;
    std::unordered_map<SessionId, OpenSession> m_sessions;  // open sessions
    std::vector<SessionId> m_dirty;                         // to upsert at the batch's end
    SessionId m_last_id = 0;                                // session() remembers the last
    OpenSession* m_last_session = nullptr;                  // (map nodes do not move)
    std::deque<amqp::Bytes> m_redacted;  // the batch's redacted payloads, viewed by its rows
};

}  // namespace amqpprox::capture
