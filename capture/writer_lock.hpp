// Marks a capture file as having a writer: an advisory lock (flock) held as long as the
// writer has the file open, so that a recovery does not append to a file a running proxy
// still writes. Independent of SQLite's own locks, which readers share.
#pragma once

#include <optional>
#include <string>

#include "unique_fd.hpp"

namespace amqpprox::capture {

class WriterLock {
public:
    // The lock on `path`, or nullopt when another writer holds it. Throws SqliteError when
    // the file cannot be opened.
    static std::optional<WriterLock> try_lock(const std::string& path);

private:
    explicit WriterLock(UniqueFd fd) : m_fd(std::move(fd)) {}
    UniqueFd m_fd;  // closing it releases the lock
};

}  // namespace amqpprox::capture
