// The capture writer: network threads hand it sessions and frames without waiting; one
// background thread inserts them in batched transactions, or, while traffic is heavy, spools
// the batches whole and inserts their rows once the host is quiet (WriterOptions::spool_age). The
// callers copy each frame once, into the queue's arena, and read the indexed arguments of method
// frames in place; the thread decodes only Connection methods (redaction, session facts). When the
// thread falls behind, frames are dropped and the gap is recorded (or, with OverflowPolicy::block,
// the caller waits).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "batch.hpp"
#include "batch_rows.hpp"
#include "formats/amqp/bytes.hpp"
#include "formats/amqp/frame.hpp"
#include "frame_row.hpp"
#include "policy.hpp"
#include "record.hpp"
#include "spare_cpu.hpp"

namespace amqpprox::capture {

class FileStore;

struct WriterStats {
    std::uint64_t frames_submitted = 0;
    std::uint64_t frames_dropped = 0;
    std::uint64_t frames_committed = 0;  // in the file: as rows, or still spooled
    std::uint64_t frames_spooled = 0;    // of those, spooled and not yet rows
    std::uint64_t batches_spooled = 0;   // batches ever spooled
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

    // Blocks until everything submitted so far is committed as rows (the spool emptied).
    void flush();
    // Flushes, stops the thread and closes the file; idempotent.
    void close();

    WriterStats stats() const;
    std::vector<std::string> files() const;

private:
    void push(BatchEvent event);
    // With m_mutex held: copies the row's payload (and the names it does not view) into the
    // queue's arena and queues it.
    void enqueue(FrameRow row, amqp::ByteView stored);
    void run();
    // How the writer found the queue: full enough to wake it (busy), woken by an event or a
    // flush (some), or its timer ran out first (quiet).
    enum class Traffic : std::uint8_t { busy, some, quiet };
    // Writer thread: stores a batch taken from the queue, as rows or spooled.
    void store(Batch& batch, Traffic traffic, bool stopping);
    void write_rows(Batch& batch);
    void spool(Batch& batch);
    void count_committed(std::uint64_t frames, std::uint64_t payload_bytes, bool spooled);
    // Turns spooled batches into rows, oldest first: all of them, or (with `until_busy`)
    // until the queue fills again or the host has no CPU to spare.
    void unspool(bool until_busy);
    // The oldest batches that waited spool_age; all of them once the spool file passes
    // spool_bytes (it empties only when no batch is left).
    void unspool_due();
    void unspool_oldest();
    bool queue_busy() const;
    // With m_mutex held: one frame lost to a full queue, for its session's gap row.
    void count_drop(SessionId session, std::int64_t ts_ns, std::uint64_t wire_bytes);
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
    Batch m_pending;
    std::atomic<std::size_t> m_pending_frames = 0;  // written under m_mutex; read early too
    std::atomic<std::size_t> m_pending_bytes = 0;   // their payloads, likewise
    // Whether `bytes` more payload would go over queue_capacity or queue_bytes.
    bool queue_full(std::size_t bytes) const;
    std::unordered_map<SessionId, std::uint64_t> m_next_seq;
    bool m_stopping = false;
    bool m_failed = false;
    WriterStats m_stats;
    std::vector<std::string> m_files;

    // Writer thread only.
    std::unique_ptr<FileStore> m_store;
    std::uint64_t m_file_index = 0;
    std::int64_t m_file_opened_ns = 0;
    BatchRows m_rows;
    const std::uint64_t m_spool_limit;  // bytes; 0 when this file does not spool
    SpareCpu m_spare_cpu;               // when the host can spare the CPU that rows cost
    Batch m_unspooled;                  // a spooled batch read back
    amqp::Bytes m_spool_buffer;         // a batch being spooled

    std::thread m_thread;
};

std::int64_t now_ns();

}  // namespace amqpprox::capture
