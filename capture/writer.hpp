// The capture writer: network threads hand it sessions and frames without waiting; one
// background thread inserts them in batched transactions. The callers copy each frame once,
// into the queue's arena, and read the indexed arguments of method frames in place; the
// thread decodes only Connection methods (redaction, session facts). When the thread falls
// behind, frames are dropped and the gap is recorded (or, with OverflowPolicy::block, the
// caller waits).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "byte_arena.hpp"
#include "formats/amqp/bytes.hpp"
#include "formats/amqp/frame.hpp"
#include "frame_row.hpp"
#include "policy.hpp"
#include "record.hpp"

namespace amqpprox::capture {

class FileStore;

struct WriterStats {
    std::uint64_t frames_submitted = 0;
    std::uint64_t frames_dropped = 0;
    std::uint64_t frames_committed = 0;
    std::uint64_t payload_bytes_committed = 0;
    std::uint64_t commits = 0;
    std::uint64_t files = 0;
    std::int64_t writer_cpu_ns = 0;  // CPU time of the writer thread
    std::string error;               // set when the writer stopped on a disk or database error
};

class CaptureWriter {
public:
    // Creates the capture file (or the first of a rotation: NAME.0001.EXT) and starts the
    // writer thread. Throws SqliteError when the file exists or cannot be created.
    explicit CaptureWriter(std::string path, WriterOptions options = {});
    ~CaptureWriter();
    CaptureWriter(const CaptureWriter&) = delete;
    CaptureWriter& operator=(const CaptureWriter&) = delete;

    // All of these are safe from any thread and return without touching the disk.
    void start_session(const SessionStart& start);
    void set_backend(SessionId session, std::string backend, std::string address, bool tls);
    // Copies the frame (its body cut to the body policy). False when it was dropped.
    bool record_frame(SessionId session, Direction direction, amqp::FrameType type,
                      std::uint16_t channel, amqp::ByteView payload, std::int64_t ts_ns = 0);
    void end_session(SessionId session, std::int64_t end_ns = 0, ClosedBy who = ClosedBy::unknown);
    // What a source knows it could not record (a pcap's missing bytes), as a gap row.
    void record_gap(const Gap& gap);

    // Blocks until everything submitted so far is committed.
    void flush();
    // Flushes, stops the thread and closes the file; idempotent.
    void close();

    WriterStats stats() const;
    std::vector<std::string> files() const;

private:
    struct Backend {
        SessionId session;
        std::string name;
        std::string address;
        bool tls;
    };
    struct End {
        SessionId session;
        std::int64_t end_ns;
        ClosedBy who;
    };
    struct Flush {
        std::shared_ptr<std::promise<void>> done;
    };
    using Event = std::variant<SessionStart, Backend, End, Flush, Gap>;
    // What the producers queue for the writer thread: the frames, their bytes in one arena
    // (a frame costs no allocation of its own), and the other events, each with its place
    // among the frames.
    struct Queue {
        std::vector<FrameRow> frames;                       // payloads and names view `bytes`
        std::vector<std::pair<std::size_t, Event>> events;  // each before frames[first]
        ByteArena bytes;
        bool empty() const { return frames.empty() && events.empty(); }
        void clear();
    };
    struct Dropped {
        std::int64_t first_ts_ns = 0;
        std::uint64_t frames = 0;
        std::uint64_t bytes = 0;
    };
    struct OpenSession {
        SessionRow row;
        bool dirty = false;  // changed in the batch being written: in m_dirty
    };

    void push(Event event);
    // With m_mutex held: copies the row's payload (and the names it does not view) into the
    // queue's arena and queues it.
    void enqueue(FrameRow row, amqp::ByteView stored);
    void run();
    void write_batch(Queue& batch, std::map<SessionId, Dropped>& dropped);
    void handle(Event& event);
    static constexpr std::uint32_t kConnectionClass = 10;
    // With m_mutex held: one frame lost to a full queue, for its session's gap row.
    void count_drop(SessionId session, std::int64_t ts_ns, std::uint64_t wire_bytes);
    // The open session `id`, created empty when unknown (`created` says so).
    OpenSession& session(SessionId id, bool& created);
    OpenSession& session(SessionId id);
    void mark_dirty(SessionId id, OpenSession& session);
    void apply(FrameRow& row, OpenSession& session, bool created);
    void rotate_if_due();
    void open_next_file();
    std::string file_name(std::uint64_t index) const;

    const std::string m_path;
    const WriterOptions m_options;
    const std::size_t m_wake_frames;  // queued frames, or bytes, that wake the writer thread
    const std::size_t m_wake_bytes;

    // Shared with producers, guarded by m_mutex.
    mutable std::mutex m_mutex;
    std::condition_variable m_work;
    std::condition_variable m_space;
    Queue m_pending;
    std::atomic<std::size_t> m_pending_frames = 0;  // written under m_mutex; read early too
    std::atomic<std::size_t> m_pending_bytes = 0;   // their payloads, likewise
    // Whether `bytes` more payload would go over queue_capacity or queue_bytes.
    bool queue_full(std::size_t bytes) const;
    std::unordered_map<SessionId, std::uint64_t> m_next_seq;
    std::map<SessionId, Dropped> m_dropped;
    bool m_stopping = false;
    bool m_failed = false;
    WriterStats m_stats;
    std::vector<std::string> m_files;

    // Writer thread only.
    std::unique_ptr<FileStore> m_store;
    std::uint64_t m_file_index = 0;
    std::int64_t m_file_opened_ns = 0;
    std::unordered_map<SessionId, OpenSession> m_sessions;  // open sessions
    std::vector<SessionId> m_dirty;                         // to upsert at the batch's end
    SessionId m_last_id = 0;                                // session() remembers the last
    OpenSession* m_last_session = nullptr;                  // (map nodes do not move)
    std::deque<amqp::Bytes> m_redacted;  // the batch's redacted payloads, viewed by its rows

    std::thread m_thread;
};

std::int64_t now_ns();

}  // namespace amqpprox::capture
