// Marks a capture file as having a writer: an advisory lock (flock) held as long as the
// writer has the file open, so that a recovery does not append to a file a running proxy
// still writes. Independent of SQLite's own locks, which readers share.
#pragma once

#include <optional>
#include <string>

namespace amqpprox::capture {

class WriterLock {
public:
    // The lock on `path`, or nullopt when another writer holds it. Throws SqliteError when
    // the file cannot be opened.
    static std::optional<WriterLock> try_lock(const std::string& path);

    WriterLock(WriterLock&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }
    WriterLock& operator=(WriterLock&& other) noexcept;
    WriterLock(const WriterLock&) = delete;
    WriterLock& operator=(const WriterLock&) = delete;
    ~WriterLock();

private:
    explicit WriterLock(int fd) : m_fd(fd) {}
    int m_fd = -1;
};

}  // namespace amqpprox::capture
