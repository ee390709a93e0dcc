#include "writer.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <ctime>
#include <functional>

#include <pthread.h>

#include "file_store.hpp"
#include "formats/amqp/methods.hpp"
#include "frame_facts.hpp"
#include "method_keys.hpp"
#include "rotation_name.hpp"

namespace amqpprox::capture {
namespace {

std::int64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// The writer thread is woken once this much is queued (or a quarter of the queue's bounds,
// when smaller), or when flush_interval has passed: at moderate rates a commit then carries
// thousands of frames instead of the few that arrived while the last one ran (each commit
// rewrites its partly filled pages), and the producers make no futex call per frame.
constexpr std::size_t kWakeFrames = 4096;
constexpr std::size_t kWakeBytes = std::size_t{4} << 20;

std::uint64_t wire_size(amqp::FrameType type, std::uint64_t size) {
    return type == amqp::FrameType::protocol_header ? size : size + amqp::kFrameOverhead;
}

}  // namespace

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

CaptureWriter::CaptureWriter(std::string path, WriterOptions options)
    : m_path(std::move(path)),
      m_options(std::move(options)),
      m_wake_frames(std::clamp<std::size_t>(m_options.queue_capacity / 4, 1, kWakeFrames)),
      m_wake_bytes(std::clamp<std::size_t>(m_options.queue_bytes / 4, 1, kWakeBytes)) {
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
    auto store = std::make_unique<FileStore>(file_name(m_file_index), meta, m_options.durability,
                                             m_options.priority);
    if (m_store) m_store->close();
    m_store = std::move(store);
    m_file_opened_ns = meta.created_ns;
    // Each file stands alone: sessions still open continue in it with their own row.
    m_store->begin();
    for (auto& [id, open] : m_sessions) {
        auto& row = open.row;
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
        m_pending.events.emplace_back(m_pending.frames.size(), std::move(event));
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
        m_work.notify_one();
        std::lock_guard lock(m_mutex);
        ++m_next_seq[session];
        ++m_stats.frames_submitted;
        count_drop(session, ts_ns, wire_size(type, payload.size()));
        return false;
    }
    FrameRow row;
    row.session = session;
    row.ts_ns = ts_ns;
    row.direction = direction;
    row.channel = channel;
    row.type = type;
    row.size = static_cast<std::uint32_t>(payload.size());
    const auto stored = payload.first(kept);
    Record spill;  // the indexed arguments that cannot view the payload (rare methods)
    if (type == amqp::FrameType::method) read_method_keys(stored, row, spill);

    std::unique_lock lock(m_mutex);
    row.seq = m_next_seq[session]++;  // dropped frames use up their number: gaps show
    ++m_stats.frames_submitted;
    if (m_stopping || m_failed) {
        ++m_stats.frames_dropped;
        return false;
    }
    if (queue_full(kept)) {
        m_work.notify_one();  // below the wake marks only when this frame is very large
        if (m_options.overflow == OverflowPolicy::drop) {
            count_drop(session, ts_ns, wire_size(type, payload.size()));
            return false;
        }
        m_space.wait(lock, [this, kept] { return !queue_full(kept) || m_stopping || m_failed; });
        if (m_stopping || m_failed) {
            ++m_stats.frames_dropped;
            return false;
        }
    }
    enqueue(row, stored);
    const auto frames = ++m_pending_frames;
    const auto bytes = m_pending_bytes += kept;
    const bool wake =
        frames == m_wake_frames || (bytes >= m_wake_bytes && bytes - kept < m_wake_bytes);
    lock.unlock();
    if (wake) m_work.notify_one();
    return true;
}

// The copy is made under m_mutex (the writer may take the queue as soon as it is released):
// one memcpy of a typical frame costs less than the allocation it replaces.
void CaptureWriter::enqueue(FrameRow row, amqp::ByteView stored) {
    const auto* begin = reinterpret_cast<const char*>(stored.data());
    const auto* end = begin + stored.size();
    const auto views_payload = [&](std::string_view name) {
        return !std::less<>()(name.data(), begin) && !std::less<>()(end, name.data() + name.size());
    };
    const std::array names{&row.exchange, &row.routing_key, &row.queue, &row.consumer_tag};
    std::size_t total = stored.size();
    for (const auto* name : names) {
        if (*name && !views_payload(**name)) total += (*name)->size();
    }
    std::byte* copy = total == 0 ? nullptr : m_pending.bytes.allocate(total);
    if (!stored.empty()) std::memcpy(copy, stored.data(), stored.size());
    auto* spill = copy + stored.size();
    for (auto* name : names) {
        if (!*name) continue;
        const auto text = **name;
        if (views_payload(text)) {
            *name = std::string_view(reinterpret_cast<const char*>(copy) + (text.data() - begin),
                                     text.size());
        } else {
            if (!text.empty()) std::memcpy(spill, text.data(), text.size());
            *name = std::string_view(reinterpret_cast<const char*>(spill), text.size());
            spill += text.size();
        }
    }
    row.payload = amqp::ByteView(copy, stored.size());
    m_pending.frames.push_back(row);
}

void CaptureWriter::Queue::clear() {
    // A burst's capacity is kept while batches stay big, given back once they are small.
    constexpr std::size_t kKeptFrames = 16384;
    if (frames.capacity() > kKeptFrames && frames.size() < frames.capacity() / 8) {
        std::vector<FrameRow>().swap(frames);
    }
    frames.clear();
    events.clear();
    bytes.clear();
}

void CaptureWriter::flush() {
    auto done = std::make_shared<std::promise<void>>();
    auto future = done->get_future();
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping || !m_thread.joinable()) return;
        m_pending.events.emplace_back(m_pending.frames.size(), Flush{done});
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
    apply_thread_priority(m_options.priority);  // a thread left at normal still writes
    Queue batch;
    std::map<SessionId, Dropped> dropped;
    while (true) {
        bool stopping = false;
        {
            std::unique_lock lock(m_mutex);
            m_work.wait_for(lock, m_options.flush_interval, [this] {
                return m_pending_frames >= m_wake_frames || m_pending_bytes >= m_wake_bytes ||
                       !m_pending.events.empty() || m_stopping;
            });
            std::swap(batch, m_pending);
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
                if (m_stats.error.empty()) m_stats.error = e.what();  // the first says why
                m_stats.frames_dropped += batch.frames.size();
            }
            for (auto& [before, event] : batch.events) {
                if (auto* flush = std::get_if<Flush>(&event)) flush->done->set_value();
            }
            batch.clear();
            m_redacted.clear();
            dropped.clear();
        }
        // Read before locking: a system call returns where the scheduler preempts, and a
        // writer preempted holding m_mutex stalls every network thread that records.
        const auto cpu_ns = thread_cpu_ns();
        {
            std::lock_guard lock(m_mutex);
            m_stats.writer_cpu_ns = cpu_ns;
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

// With m_mutex held.
void CaptureWriter::count_drop(SessionId session, std::int64_t ts_ns, std::uint64_t wire_bytes) {
    auto& d = m_dropped[session];
    if (d.frames == 0) d.first_ts_ns = ts_ns;
    ++d.frames;
    d.bytes += wire_bytes;
    ++m_stats.frames_dropped;
}

CaptureWriter::OpenSession& CaptureWriter::session(SessionId id, bool& created) {
    created = false;
    if (m_last_session != nullptr && m_last_id == id) return *m_last_session;
    auto [it, inserted] = m_sessions.try_emplace(id);
    created = inserted;
    m_last_id = id;
    m_last_session = &it->second;
    return it->second;
}

CaptureWriter::OpenSession& CaptureWriter::session(SessionId id) {
    bool created = false;
    return session(id, created);
}

void CaptureWriter::mark_dirty(SessionId id, OpenSession& session) {
    if (session.dirty) return;
    session.dirty = true;
    m_dirty.push_back(id);
}

// Connection-class methods reach the writer thread undecoded: it learns the session's facts
// from them before redacting. Their redacted payloads live in m_redacted until the commit.
void CaptureWriter::apply(FrameRow& row, OpenSession& open, bool created) {
    auto& session = open.row;
    if (created) {
        // Frames of a session nobody announced (a pcap picked up mid-way): start it here.
        session.start.id = row.session;
        session.start.start_ns = row.ts_ns;
    }
    if (row.type == amqp::FrameType::method && row.method &&
        (*row.method >> 16) == kConnectionClass) {
        if (auto method = amqp::decode_method(row.payload)) {
            learn_from_method(*method, row.direction, session);
            if (m_options.redact_credentials) {
                if (auto redacted = redacted_payload(*method)) {
                    row.payload = m_redacted.emplace_back(std::move(*redacted));
                }
            }
        }
    }
    ++session.frames;
    session.bytes += wire_size(row.type, row.size);
}

void CaptureWriter::handle(Event& event) {
    std::visit(
        [&](auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, SessionStart>) {
                auto& open = session(e.id);
                open.row.start = e;  // keeps what drops already counted
                mark_dirty(e.id, open);
            } else if constexpr (std::is_same_v<T, Backend>) {
                auto& open = session(e.session);
                auto& start = open.row.start;
                start.id = e.session;
                start.backend = e.name;
                start.backend_address = e.address;
                start.backend_tls = e.tls;
                mark_dirty(e.session, open);
            } else if constexpr (std::is_same_v<T, Gap>) {
                m_store->insert(e);
            } else if constexpr (std::is_same_v<T, End>) {
                auto& row = session(e.session).row;
                row.start.id = e.session;
                row.end_ns = e.end_ns;
                if (e.who != ClosedBy::unknown) row.closed_by = e.who;
                m_store->upsert(row);
                m_sessions.erase(e.session);
                m_last_session = nullptr;
            }
        },
        event);
}

void CaptureWriter::write_batch(Queue& batch, std::map<SessionId, Dropped>& dropped) {
    std::uint64_t payload_bytes = 0;
    for (const auto id : m_dirty) {  // left over when the last batch failed
        if (auto it = m_sessions.find(id); it != m_sessions.end()) it->second.dirty = false;
    }
    m_dirty.clear();
    m_last_session = nullptr;
    m_store->begin();
    // Drops first: they happened before this batch's events were queued (the queue was full),
    // and an End in the batch writes the session's final row.
    for (const auto& [id, d] : dropped) {
        m_store->insert(
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
            handle(event->second);
        auto& row = batch.frames[i];
        bool created = false;
        auto& open = session(row.session, created);
        apply(row, open, created);
        mark_dirty(row.session, open);
        m_store->append(row);
        payload_bytes += row.payload.size();
    }
    for (; event != batch.events.end(); ++event)
        handle(event->second);
    for (const auto id : m_dirty) {
        auto it = m_sessions.find(id);
        if (it == m_sessions.end() || !it->second.dirty) continue;  // ended in the batch
        m_store->upsert(it->second.row);
        it->second.dirty = false;
    }
    m_store->commit();
    std::uint64_t committed = 0;
    {
        std::lock_guard lock(m_mutex);
        m_stats.frames_committed += batch.frames.size();
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
