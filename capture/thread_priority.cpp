#include "thread_priority.hpp"

#include <cerrno>
#include <cstring>

#include <sched.h>

namespace amqpprox::capture {

std::string apply_thread_priority(ThreadPriority priority) {
    if (priority == ThreadPriority::normal) return {};
    // On Linux the policy is per thread when the pid is 0. No privilege is needed to lower it.
    const bool idle = priority == ThreadPriority::idle;
    const sched_param param{};
    if (sched_setscheduler(0, idle ? SCHED_IDLE : SCHED_BATCH, &param) != 0)
        return std::string(idle ? "SCHED_IDLE: " : "SCHED_BATCH: ") + std::strerror(errno);
    return {};
}

}  // namespace amqpprox::capture
