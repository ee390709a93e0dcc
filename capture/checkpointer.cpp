#include "checkpointer.hpp"

#include <pthread.h>

namespace amqpprox::capture {

Checkpointer::Checkpointer(Database& writer, const std::string& path, int background_pages,
                           int restart_pages, ThreadPriority priority)
    : m_writer(writer),
      m_path(path),
      m_db(path, Database::Mode::read_write_create),
      m_background_pages(background_pages),
      m_restart_pages(restart_pages),
      m_restart_at(restart_pages) {
    // The checkpoint's syncs are this connection's: the same guarantee as the writer's.
    m_db.exec("PRAGMA synchronous = NORMAL");
    // Replaces the writer's automatic checkpoints (SQLite runs them from the same hook).
    sqlite3_wal_hook(m_writer.handle(), &Checkpointer::on_commit, this);
    m_thread = std::thread([this, priority] {
        apply_thread_priority(priority);  // a thread left at normal still checkpoints
        run();
    });
}

Checkpointer::~Checkpointer() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    m_thread.join();
    sqlite3_wal_autocheckpoint(m_writer.handle(), 1000);
}

int Checkpointer::on_commit(void* self, sqlite3*, const char*, int log_pages) {
    auto& c = *static_cast<Checkpointer*>(self);
    if (log_pages < c.m_log_pages) c.m_restart_at = c.m_restart_pages;  // it started over
    c.m_log_pages = log_pages;
    if (log_pages < c.m_background_pages) return SQLITE_OK;
    {
        // While one runs, this asks for the next: the running one may have started before
        // this commit's pages were in the log. Requests made meanwhile share that next one.
        std::lock_guard lock(c.m_mutex);
        ++c.m_requested;
    }
    c.m_wake.notify_one();
    return SQLITE_OK;
}

void Checkpointer::before_transaction() {
    if (auto error = this->error(); !error.empty()) throw SqliteError(error);
    if (m_log_pages < m_restart_at) return;
    {
        std::unique_lock lock(m_mutex);
        const auto ticket = ++m_requested;  // one that starts now, with no transaction open
        m_wake.notify_one();
        m_done.wait(lock, [&] { return m_finished >= ticket || m_stopping; });
    }
    // When a reader still holds part of the log, it does not start over: wait again only
    // after as much more.
    m_restart_at = m_log_pages + m_restart_pages;
}

void Checkpointer::run() {
    pthread_setname_np(pthread_self(), "capture-ckpt");
    std::unique_lock lock(m_mutex);
    while (true) {
        m_wake.wait(lock, [this] { return m_requested > m_finished || m_stopping; });
        if (m_stopping) break;
        const auto ticket = m_requested;
        lock.unlock();
        // Passive: copies what no reader still needs and never waits for the writer or a
        // reader; what it leaves, a later one copies (at the latest, the file's close).
        const int rc = sqlite3_wal_checkpoint_v2(m_db.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                                 nullptr, nullptr);
        lock.lock();
        if (rc != SQLITE_OK && rc != SQLITE_BUSY && m_error.empty()) {
            m_error = m_path + ": checkpoint failed: " + sqlite3_errmsg(m_db.handle());
        }
        m_finished = ticket;
        m_done.notify_all();
    }
    m_finished = m_requested;
    m_done.notify_all();
}

std::string Checkpointer::error() const {
    std::lock_guard lock(m_mutex);
    return m_error;
}

}  // namespace amqpprox::capture
