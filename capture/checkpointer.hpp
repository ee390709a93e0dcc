// Copies a live capture's write-ahead log into the file on a thread and connection of its
// own, so that the writer thread neither copies every page a second time nor waits for the
// checkpoint's fdatasync calls (a fifth of its time, flat out, when SQLite checkpointed on
// the writer's connection).
//
// The log only starts over when a transaction begins with all of it copied. Copied in the
// background alone, it never is (each checkpoint starts at a commit, and the writer's next
// transaction begins at once), so the writer waits for one checkpoint each time the log has
// grown by `restart_pages`: by then the background has copied all but the last commits.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "sqlite.hpp"
#include "thread_priority.hpp"

namespace amqpprox::capture {

class Checkpointer {
public:
    // Opens a second connection to `writer`'s file (in WAL mode) and takes over its automatic
    // checkpoints: a background one after each commit that leaves `background_pages` or more
    // in the log. Throws SqliteError.
    Checkpointer(Database& writer, const std::string& path, int background_pages, int restart_pages,
                 ThreadPriority priority = ThreadPriority::normal);
    // Stops the thread and gives the writer's connection back its automatic checkpoints.
    ~Checkpointer();
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    // On the writer's thread, before each transaction: waits for a whole-log checkpoint when
    // the log is due to start over. Throws SqliteError once a checkpoint has failed.
    void before_transaction();
    // The first error a checkpoint met ("" when none).
    std::string error() const;

private:
    static int on_commit(void* self, sqlite3* db, const char* name, int log_pages);
    void run();

    Database& m_writer;
    const std::string m_path;
    Database m_db;
    const int m_background_pages;
    const int m_restart_pages;
    // Writer thread only (the commit hook runs there too).
    int m_log_pages = 0;  // after the last commit
    int m_restart_at;     // the log size at which before_transaction() waits

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_done;
    std::uint64_t m_requested = 0;  // checkpoints asked for, and finished
    std::uint64_t m_finished = 0;
    bool m_stopping = false;
    std::string m_error;
    std::thread m_thread;
};

}  // namespace amqpprox::capture
