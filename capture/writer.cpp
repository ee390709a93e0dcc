#include "writer.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <ctime>
#include <functional>

#include <pthread.h>

#include "file_store.hpp"
#include "method_keys.hpp"
#include "rotation_name.hpp"
#include "spool_codec.hpp"

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
      m_wake_bytes(std::clamp<std::size_t>(m_options.queue_bytes / 4, 1, kWakeBytes)),
      m_rows(m_options.redact_credentials),
      m_spool_limit(m_options.durability == Durability::live && m_options.spool_age.count() > 0
                        ? m_options.spool_bytes
                        : 0) {
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
    m_rows.start_file(*m_store);
    std::lock_guard lock(m_mutex);
    m_files.push_back(m_store->path());
    m_stats.files = m_files.size();
}

void CaptureWriter::push(BatchEvent event) {
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
    push(BackendChosen{session, std::move(backend), std::move(address), tls});
}

void CaptureWriter::end_session(SessionId session, std::int64_t end_ns, ClosedBy who) {
    {
        std::lock_guard lock(m_mutex);
        m_next_seq.erase(session);
    }
    push(SessionEnd{session, end_ns == 0 ? now_ns() : end_ns, who});
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

void CaptureWriter::flush() {
    auto done = std::make_shared<std::promise<void>>();
    auto future = done->get_future();
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping || !m_thread.joinable()) return;
        m_pending.events.emplace_back(m_pending.frames.size(), FlushRequest{done});
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
    Batch batch;
    while (true) {
        bool stopping = false;
        Traffic traffic = Traffic::quiet;
        {
            std::unique_lock lock(m_mutex);
            const bool woken = m_work.wait_for(lock, m_options.flush_interval, [this] {
                return queue_busy() || !m_pending.events.empty() || m_stopping;
            });
            traffic = queue_busy() ? Traffic::busy : woken ? Traffic::some : Traffic::quiet;
            std::swap(batch, m_pending);
            m_pending_frames = 0;
            m_pending_bytes = 0;
            stopping = m_stopping;
        }
        m_space.notify_all();
        try {
            if (!m_failed) store(batch, traffic, stopping);
        } catch (const std::exception& e) {
            std::lock_guard lock(m_mutex);
            m_failed = true;
            if (m_stats.error.empty()) m_stats.error = e.what();  // the first says why
            m_stats.frames_dropped += batch.frames.size();
        }
        for (auto& [before, event] : batch.events) {
            if (auto* flush = std::get_if<FlushRequest>(&event)) flush->done->set_value();
        }
        batch.clear();
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

bool CaptureWriter::queue_busy() const {
    return m_pending_frames >= m_wake_frames || m_pending_bytes >= m_wake_bytes;
}

void CaptureWriter::store(Batch& batch, Traffic traffic, bool stopping) {
    // Someone waits for rows, or the proxy is going: no batch may stay spooled.
    if (stopping || m_spool_limit == 0 || batch.has_flush()) {
        unspool(false);
        if (!batch.empty()) write_rows(batch);
        return;
    }
    // Spooled batches become rows: all of them once a whole flush interval passed without
    // the queue filling and the rest of the host leaves a CPU spare (until either changes),
    // and whatever the traffic, those that waited spool_age or fill the spool file. Rows
    // keep the order of the batches: while some stay spooled, a new batch joins them.
    const bool spare = m_spare_cpu.spare();  // looked at every wake, so never stale
    if (traffic == Traffic::quiet && spare) unspool(true);
    unspool_due();
    if (batch.empty()) return;
    if (traffic == Traffic::busy || !m_store->spooled().empty()) {
        spool(batch);
    } else {
        write_rows(batch);
    }
}

void CaptureWriter::write_rows(Batch& batch) {
    const auto payload_bytes = m_rows.write(*m_store, batch);
    count_committed(batch.frames.size(), payload_bytes, false);
}

// A batch is committed once its rows are, or once it is spooled (a killed process loses
// neither).
void CaptureWriter::count_committed(std::uint64_t frames, std::uint64_t payload_bytes,
                                    bool spooled) {
    std::uint64_t committed = 0;
    {
        std::lock_guard lock(m_mutex);
        m_stats.frames_committed += frames;
        m_stats.payload_bytes_committed += payload_bytes;
        ++m_stats.commits;
        if (spooled) {
            m_stats.frames_spooled += frames;
            ++m_stats.batches_spooled;
        }
        committed = m_stats.frames_committed;
    }
    if (m_options.on_commit) m_options.on_commit(committed);
}

void CaptureWriter::unspool_due() {
    if (m_store->spool_file_bytes() > m_spool_limit) {
        unspool(false);  // the file empties only with its last batch
        return;
    }
    const auto& spooled = m_store->spooled();
    const auto now = std::chrono::steady_clock::now();
    while (!spooled.empty() && now - spooled.front().at >= m_options.spool_age)
        unspool_oldest();
}

void CaptureWriter::spool(Batch& batch) {
    m_rows.redact(batch);
    m_spool_buffer.clear();
    encode_batch(batch, m_spool_buffer);
    m_store->spool(m_spool_buffer, static_cast<std::uint32_t>(batch.frames.size()));
    count_committed(batch.frames.size(), batch.payload_bytes(), true);
    // A large spool buffer is not kept through quiet times.
    if (m_spool_buffer.capacity() > (std::size_t{16} << 20)) amqp::Bytes().swap(m_spool_buffer);
}

void CaptureWriter::unspool(bool until_busy) {
    while (!m_store->spooled().empty()) {
        if (until_busy && (queue_busy() || !m_spare_cpu.spare())) return;
        unspool_oldest();
    }
}

void CaptureWriter::unspool_oldest() {
    const auto frames = m_rows.write_oldest_spooled(*m_store, m_unspooled);
    std::lock_guard lock(m_mutex);
    m_stats.frames_spooled -= frames;
}

// With m_mutex held.
void CaptureWriter::count_drop(SessionId session, std::int64_t ts_ns, std::uint64_t wire_bytes) {
    auto& d = m_pending.dropped[session];
    if (d.frames == 0) d.first_ts_ns = ts_ns;
    ++d.frames;
    d.bytes += wire_bytes;
    ++m_stats.frames_dropped;
}

void CaptureWriter::rotate_if_due() {
    const auto& rotation = m_options.rotation;
    if (!rotation.enabled()) return;
    const bool too_big = rotation.max_bytes != 0 && m_store->size_bytes() >= rotation.max_bytes;
    const bool too_old =
        rotation.max_age.count() != 0 &&
        now_ns() - m_file_opened_ns >=
            std::chrono::duration_cast<std::chrono::nanoseconds>(rotation.max_age).count();
    if (!too_big && !too_old) return;
    unspool(false);  // a file ends with its spool empty
    open_next_file();
}

}  // namespace amqpprox::capture
