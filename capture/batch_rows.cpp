#include "batch_rows.hpp"

#include "file_store.hpp"
#include "frame_facts.hpp"
#include "spool_codec.hpp"

namespace amqpprox::capture {
namespace {

constexpr std::uint32_t kConnectionClass = 10;

std::uint64_t wire_size(amqp::FrameType type, std::uint64_t size) {
    return type == amqp::FrameType::protocol_header ? size : size + amqp::kFrameOverhead;
}

bool is_connection_method(const FrameRow& row) {
    return row.type == amqp::FrameType::method && row.method &&
           (*row.method >> 16) == kConnectionClass;
}

}  // namespace

void BatchRows::resume(const SessionRow& row) {
    m_sessions[row.start.id].row = row;
    m_last_session = nullptr;
}

void BatchRows::start_file(FileStore& store) {
    store.begin();
    for (auto& [id, open] : m_sessions) {
        auto& row = open.row;
        row.frames = row.bytes = row.frames_lost = 0;
        store.upsert(row);
    }
    store.commit();
}

BatchRows::OpenSession& BatchRows::session(SessionId id, bool& created) {
    created = false;
    if (m_last_session != nullptr && m_last_id == id) return *m_last_session;
    auto [it, inserted] = m_sessions.try_emplace(id);
    created = inserted;
    m_last_id = id;
    m_last_session = &it->second;
    return it->second;
}

BatchRows::OpenSession& BatchRows::session(SessionId id) {
    bool created = false;
    return session(id, created);
}

void BatchRows::mark_dirty(SessionId id, OpenSession& session) {
    if (session.dirty) return;
    session.dirty = true;
    m_dirty.push_back(id);
}

// Connection-class methods reach the writer thread undecoded: it learns the session's facts
// from them before redacting. Their redacted payloads live in m_redacted until the commit.
void BatchRows::apply(FrameRow& row, OpenSession& open, bool created) {
    auto& session = open.row;
    if (created) {
        // Frames of a session nobody announced (a pcap picked up mid-way): start it here.
        session.start.id = row.session;
        session.start.start_ns = row.ts_ns;
    }
    if (is_connection_method(row)) {
        if (auto method = amqp::decode_method(row.payload)) {
            learn_from_method(*method, row.direction, session);
            redact(row, *method);
        }
    }
    ++session.frames;
    session.bytes += wire_size(row.type, row.size);
}

void BatchRows::redact(FrameRow& row, const amqp::Method& method) {
    if (!m_redact) return;
    if (auto redacted = redacted_payload(method)) {
        row.payload = m_redacted.emplace_back(std::move(*redacted));
    }
}

void BatchRows::redact(Batch& batch) {
    m_redacted.clear();
    for (auto& row : batch.frames) {
        if (!is_connection_method(row)) continue;
        if (auto method = amqp::decode_method(row.payload)) redact(row, *method);
    }
}

void BatchRows::handle(FileStore& store, BatchEvent& event) {
    std::visit(
        [&](auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, SessionStart>) {
                auto& open = session(e.id);
                open.row.start = e;  // keeps what drops already counted
                mark_dirty(e.id, open);
            } else if constexpr (std::is_same_v<T, BackendChosen>) {
                auto& open = session(e.session);
                auto& start = open.row.start;
                start.id = e.session;
                start.backend = e.name;
                start.backend_address = e.address;
                start.backend_tls = e.tls;
                mark_dirty(e.session, open);
            } else if constexpr (std::is_same_v<T, Gap>) {
                store.insert(e);
            } else if constexpr (std::is_same_v<T, SessionEnd>) {
                auto& row = session(e.session).row;
                row.start.id = e.session;
                row.end_ns = e.end_ns;
                if (e.who != ClosedBy::unknown) row.closed_by = e.who;
                store.upsert(row);
                m_sessions.erase(e.session);
                m_last_session = nullptr;
            }
        },
        event);
}

std::uint64_t BatchRows::write(FileStore& store, Batch& batch, std::uint64_t spooled_seq) {
    m_redacted.clear();              // the last batch's rows are committed (or rolled back)
    for (const auto id : m_dirty) {  // left over when the last batch failed
        if (auto it = m_sessions.find(id); it != m_sessions.end()) it->second.dirty = false;
    }
    m_dirty.clear();
    m_last_session = nullptr;
    std::uint64_t payload_bytes = 0;
    store.begin();
    // Drops first: they happened before this batch's events were queued (the queue was full),
    // and an End in the batch writes the session's final row.
    for (const auto& [id, d] : batch.dropped) {
        store.insert(
            Gap{id, d.first_ts_ns, std::nullopt, d.frames, d.bytes, GapReason::writer_overflow});
        bool created = false;
        auto& open = session(id, created);
        if (created) {
            open.row.start.id = id;
            open.row.start.start_ns = d.first_ts_ns;
        }
        open.row.frames_lost += d.frames;
        mark_dirty(id, open);
    }
    auto event = batch.events.begin();
    for (std::size_t i = 0; i < batch.frames.size(); ++i) {
        for (; event != batch.events.end() && event->first <= i; ++event)
            handle(store, event->second);
        auto& row = batch.frames[i];
        bool created = false;
        auto& open = session(row.session, created);
        apply(row, open, created);
        mark_dirty(row.session, open);
        store.append(row);
        payload_bytes += row.payload.size();
    }
    for (; event != batch.events.end(); ++event)
        handle(store, event->second);
    for (const auto id : m_dirty) {
        auto it = m_sessions.find(id);
        if (it == m_sessions.end() || !it->second.dirty) continue;  // ended in the batch
        store.upsert(it->second.row);
        it->second.dirty = false;
    }
    if (spooled_seq != 0) store.unspool(spooled_seq);
    store.commit();
    return payload_bytes;
}

std::uint32_t BatchRows::write_oldest_spooled(FileStore& store, Batch& scratch) {
    const auto oldest = store.spooled().front();
    if (auto decoded = decode_batch(store.read_oldest_spooled(), scratch); !decoded) {
        throw SqliteError(store.path() + ": spooled batch " + std::to_string(oldest.seq) + ": " +
                          decoded.error());
    }
    write(store, scratch, oldest.seq);
    scratch.clear();
    return oldest.frames;
}

}  // namespace amqpprox::capture
