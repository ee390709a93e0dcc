#include "writer_lock.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "sqlite.hpp"

namespace amqpprox::capture {

std::optional<WriterLock> WriterLock::try_lock(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw SqliteError(path + ": cannot open: " + std::strerror(errno));
    WriterLock lock(fd);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) return std::nullopt;
        throw SqliteError(path + ": cannot lock: " + std::strerror(errno));
    }
    return lock;
}

WriterLock& WriterLock::operator=(WriterLock&& other) noexcept {
    if (this != &other) {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
}

WriterLock::~WriterLock() {
    if (m_fd >= 0) ::close(m_fd);  // closing releases the lock
}

}  // namespace amqpprox::capture
