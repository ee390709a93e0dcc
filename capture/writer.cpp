#include "writer.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <set>

#include <pthread.h>

#include "file_store.hpp"
#include "formats/amqp/methods.hpp"
#include "frame_facts.hpp"
#include "rotation_name.hpp"

namespace amqpprox::capture {
namespace {

std::int64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::uint64_t wire_size(const Record& r) {
    return r.type == amqp::FrameType::protocol_header
               ? r.size
               : std::uint64_t{r.size} + amqp::kFrameOverhead;
}

}  // namespace

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

CaptureWriter::CaptureWriter(std::string path, WriterOptions options)
    : m_path(std::move(path)), m_options(std::move(options)) {
    open_next_file();  // on the caller's thread, so a bad path is the caller's error
    m_thread = std::thread([this] { run(); });
}

CaptureWriter::~CaptureWriter() {
    close();
}

std::string CaptureWriter::file_name(std::uint64_t index) const {
    return m_options.rotation.enabled() ? rotation_file_name(m_path, index) : m_path;
}

void CaptureWriter::open_next_file() {
    ++m_file_index;
    CaptureMeta meta;
    meta.producer_version = AMQPPROX_VERSION;
    meta.created_ns = now_ns();
    meta.source = m_options.source;
    meta.bodies = m_options.bodies.to_string();
    meta.redaction = m_options.redact_credentials ? "credentials" : "off";
    meta.file_index = std::to_string(m_file_index);
    auto store = std::make_unique<FileStore>(file_name(m_file_index), meta);
    if (m_store) m_store->close();
    m_store = std::move(store);
    m_file_opened_ns = meta.created_ns;
    // Each file stands alone: sessions still open continue in it with their own row.
    m_store->begin();
    for (auto& [id, row] : m_sessions) {
        row.frames = row.bytes = row.frames_lost = 0;
        m_store->upsert(row);
    }
    m_store->commit();
    std::lock_guard lock(m_mutex);
    m_files.push_back(m_store->path());
    m_stats.files = m_files.size();
}

void CaptureWriter::push(Event event) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) return;
        m_pending.push_back(std::move(event));
    }
    m_work.notify_one();
}

void CaptureWriter::start_session(const SessionStart& start) {
    auto copy = start;
    if (copy.start_ns == 0) copy.start_ns = now_ns();
    push(std::move(copy));
}

void CaptureWriter::set_backend(SessionId session, std::string backend, std::string address,
                                bool tls) {
    push(Backend{session, std::move(backend), std::move(address), tls});
}

void CaptureWriter::end_session(SessionId session, std::int64_t end_ns, ClosedBy who) {
    {
        std::lock_guard lock(m_mutex);
        m_next_seq.erase(session);
    }
    push(End{session, end_ns == 0 ? now_ns() : end_ns, who});
}

void CaptureWriter::record_gap(const Gap& gap) {
    push(gap);
}

bool CaptureWriter::queue_full(std::size_t bytes) const {
    const auto pending_bytes = m_pending_bytes.load(std::memory_order_relaxed);
    return m_pending_frames.load(std::memory_order_relaxed) >= m_options.queue_capacity ||
           (pending_bytes > 0 && pending_bytes + bytes > m_options.queue_bytes);
}

bool CaptureWriter::record_frame(SessionId session, Direction direction, amqp::FrameType type,
                                 std::uint16_t channel, amqp::ByteView payload,
                                 std::int64_t ts_ns) {
    if (ts_ns == 0) ts_ns = now_ns();
    // A full queue under the drop policy: count the frame before paying for its copy and its
    // decode on the caller's (the proxy's network) thread, which is busiest exactly now.
    const auto kept =
        type == amqp::FrameType::body ? m_options.bodies.keep(payload.size()) : payload.size();
    if (m_options.overflow == OverflowPolicy::drop && queue_full(kept)) {
        std::lock_guard lock(m_mutex);
        ++m_next_seq[session];
        ++m_stats.frames_submitted;
        count_drop(session, ts_ns,
                   type == amqp::FrameType::protocol_header
                       ? payload.size()
                       : std::uint64_t{payload.size()} + amqp::kFrameOverhead);
        return false;
    }
    Record record;
    record.session = session;
    record.ts_ns = ts_ns;
    record.direction = direction;
    record.channel = channel;
    record.type = type;
    record.size = static_cast<std::uint32_t>(payload.size());
    record.payload.assign(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(kept));
    if (type == amqp::FrameType::method) prepare_method(record);

    std::unique_lock lock(m_mutex);
    record.seq = m_next_seq[session]++;  // dropped frames use up their number: gaps show
    ++m_stats.frames_submitted;
    if (m_stopping || m_failed) {
        ++m_stats.frames_dropped;
        return false;
    }
    if (queue_full(kept)) {
        if (m_options.overflow == OverflowPolicy::drop) {
            count_drop(session, record.ts_ns, wire_size(record));
            return false;
        }
        m_space.wait(lock, [this, kept] { return !queue_full(kept) || m_stopping || m_failed; });
        if (m_stopping || m_failed) {
            ++m_stats.frames_dropped;
            return false;
        }
    }
    ++m_pending_frames;
    m_pending_bytes += kept;
    m_pending.push_back(std::move(record));
    lock.unlock();
    m_work.notify_one();
    return true;
}

void CaptureWriter::flush() {
    auto done = std::make_shared<std::promise<void>>();
    auto future = done->get_future();
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping || !m_thread.joinable()) return;
        m_pending.push_back(Flush{done});
    }
    m_work.notify_one();
    future.wait();
}

void CaptureWriter::close() {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) return;
        m_stopping = true;
    }
    m_work.notify_one();
    m_space.notify_all();
    if (m_thread.joinable()) m_thread.join();
    try {
        if (m_store) m_store->close();
    } catch (const std::exception& e) {
        std::lock_guard lock(m_mutex);
        if (m_stats.error.empty()) m_stats.error = e.what();
    }
}

WriterStats CaptureWriter::stats() const {
    std::lock_guard lock(m_mutex);
    return m_stats;
}

std::vector<std::string> CaptureWriter::files() const {
    std::lock_guard lock(m_mutex);
    return m_files;
}

void CaptureWriter::run() {
    pthread_setname_np(pthread_self(), "capture-writer");
    std::vector<Event> batch;
    std::map<SessionId, Dropped> dropped;
    while (true) {
        bool stopping = false;
        {
            std::unique_lock lock(m_mutex);
            m_work.wait_for(lock, m_options.flush_interval, [this] {
                return !m_pending.empty() || !m_dropped.empty() || m_stopping;
            });
            batch.swap(m_pending);
            dropped.swap(m_dropped);
            m_pending_frames = 0;
            m_pending_bytes = 0;
            stopping = m_stopping;
        }
        m_space.notify_all();
        if (!batch.empty() || !dropped.empty()) {
            try {
                write_batch(batch, dropped);
            } catch (const std::exception& e) {
                std::lock_guard lock(m_mutex);
                m_failed = true;
                m_stats.error = e.what();
                m_stats.frames_dropped += static_cast<std::uint64_t>(std::count_if(
                    batch.begin(), batch.end(),
                    [](const Event& ev) { return std::holds_alternative<Record>(ev); }));
            }
            for (auto& event : batch) {
                if (auto* flush = std::get_if<Flush>(&event)) flush->done->set_value();
            }
            batch.clear();
            dropped.clear();
        }
        {
            std::lock_guard lock(m_mutex);
            m_stats.writer_cpu_ns = thread_cpu_ns();
        }
        if (stopping) {
            std::lock_guard lock(m_mutex);
            if (m_pending.empty()) break;
        }
        if (!m_failed) {
            try {
                rotate_if_due();
            } catch (const std::exception& e) {
                std::lock_guard lock(m_mutex);
                m_failed = true;
                m_stats.error = e.what();
            }
        }
    }
}

bool CaptureWriter::is_session_method(const Record& record) {
    return record.method && (*record.method >> 16) == kConnectionClass;
}

// On the caller's thread: the writer thread is the bottleneck (one SQLite connection), the
// callers are many. Connection-class methods are left whole to the writer thread, which
// learns the session's facts from them before redacting.
void CaptureWriter::count_drop(SessionId session, std::int64_t ts_ns, std::uint64_t wire_bytes) {
    auto& d = m_dropped[session];
    if (d.frames == 0) d.first_ts_ns = ts_ns;
    ++d.frames;
    d.bytes += wire_bytes;
    ++m_stats.frames_dropped;
}

void CaptureWriter::prepare_method(Record& record) const {
    if (auto id = amqp::peek_method_id(record.payload)) record.method = id->key();
    if (!record.method || is_session_method(record)) return;
    if (auto method = amqp::decode_method(record.payload))
        extract_indexed_arguments(*method, record);
}

void CaptureWriter::apply(Record& record) {
    auto [it, inserted] = m_sessions.try_emplace(record.session);
    auto& session = it->second;
    if (inserted) {
        // Frames of a session nobody announced (a pcap picked up mid-way): start it here.
        session.start.id = record.session;
        session.start.start_ns = record.ts_ns;
    }
    if (record.type == amqp::FrameType::method && is_session_method(record)) {
        if (auto method = amqp::decode_method(record.payload)) {
            extract_indexed_arguments(*method, record);
            learn_from_method(*method, record.direction, session);
            if (m_options.redact_credentials) {
                if (auto redacted = redacted_payload(*method))
                    record.payload = std::move(*redacted);
            }
        }
    }
    ++session.frames;
    session.bytes += wire_size(record);
}

void CaptureWriter::write_batch(std::vector<Event>& batch, std::map<SessionId, Dropped>& dropped) {
    std::set<SessionId> dirty;
    std::uint64_t frames = 0;
    std::uint64_t payload_bytes = 0;
    m_store->begin();
    // Drops first: they happened before this batch's events were queued (the queue was full),
    // and an End in the batch writes the session's final row.
    for (const auto& [session, d] : dropped) {
        m_store->insert(Gap{session, d.first_ts_ns, std::nullopt, d.frames, d.bytes,
                            GapReason::writer_overflow});
        auto [it, inserted] = m_sessions.try_emplace(session);
        if (inserted) {
            it->second.start.id = session;
            it->second.start.start_ns = d.first_ts_ns;
        }
        it->second.frames_lost += d.frames;
        dirty.insert(session);
    }
    for (auto& event : batch) {
        std::visit(
            [&](auto& e) {
                using T = std::decay_t<decltype(e)>;
                if constexpr (std::is_same_v<T, SessionStart>) {
                    m_sessions[e.id].start = e;  // keeps what drops already counted
                    dirty.insert(e.id);
                } else if constexpr (std::is_same_v<T, Record>) {
                    apply(e);
                    m_store->append(e);
                    dirty.insert(e.session);
                    ++frames;
                    payload_bytes += e.payload.size();
                } else if constexpr (std::is_same_v<T, Backend>) {
                    auto& start = m_sessions[e.session].start;
                    start.id = e.session;
                    start.backend = e.name;
                    start.backend_address = e.address;
                    start.backend_tls = e.tls;
                    dirty.insert(e.session);
                } else if constexpr (std::is_same_v<T, Gap>) {
                    m_store->insert(e);
                } else if constexpr (std::is_same_v<T, End>) {
                    auto& row = m_sessions[e.session];
                    row.start.id = e.session;
                    row.end_ns = e.end_ns;
                    if (e.who != ClosedBy::unknown) row.closed_by = e.who;
                    m_store->upsert(row);
                    m_sessions.erase(e.session);
                    dirty.erase(e.session);
                }
            },
            event);
    }
    for (const auto id : dirty) {
        auto it = m_sessions.find(id);
        if (it != m_sessions.end()) m_store->upsert(it->second);
    }
    m_store->commit();
    std::uint64_t committed = 0;
    {
        std::lock_guard lock(m_mutex);
        m_stats.frames_committed += frames;
        m_stats.payload_bytes_committed += payload_bytes;
        ++m_stats.commits;
        committed = m_stats.frames_committed;
    }
    if (m_options.on_commit) m_options.on_commit(committed);
}

void CaptureWriter::rotate_if_due() {
    const auto& rotation = m_options.rotation;
    if (!rotation.enabled()) return;
    const bool too_big = rotation.max_bytes != 0 && m_store->size_bytes() >= rotation.max_bytes;
    const bool too_old =
        rotation.max_age.count() != 0 &&
        now_ns() - m_file_opened_ns >=
            std::chrono::duration_cast<std::chrono::nanoseconds>(rotation.max_age).count();
    if (too_big || too_old) open_next_file();
}

}  // namespace amqpprox::capture
