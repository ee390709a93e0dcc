#include "writer_lock.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>

#include "sqlite.hpp"

namespace amqpprox::capture {

std::optional<WriterLock> WriterLock::try_lock(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw SqliteError(path + ": cannot open: " + std::strerror(errno));
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) return std::nullopt;
        throw SqliteError(path + ": cannot lock: " + std::strerror(errno));
    }
    return WriterLock(std::move(fd));
}

}  // namespace amqpprox::capture
