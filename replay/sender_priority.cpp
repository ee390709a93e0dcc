#include "sender_priority.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace amqpprox::replay {
namespace {

// The kernel's struct sched_attr: linux/sched/types.h clashes with glibc's sched.h.
struct SchedAttr {
    std::uint32_t size;
    std::uint32_t sched_policy;
    std::uint64_t sched_flags;
    std::int32_t sched_nice;
    std::uint32_t sched_priority;
    std::uint64_t sched_runtime;
    std::uint64_t sched_deadline;
    std::uint64_t sched_period;
    std::uint32_t sched_util_min;
    std::uint32_t sched_util_max;
};

bool get_attr(SchedAttr& attr) {
    attr = {};
    return syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) == 0;
}

}  // namespace

std::string request_short_slice(std::chrono::microseconds slice) {
    SchedAttr attr;
    if (!get_attr(attr)) return std::strerror(errno);
    if (attr.sched_policy != SCHED_OTHER) return "the thread is not under the normal policy";
    // For SCHED_OTHER, sched_runtime is the slice (the kernel keeps it within 0.1-100 ms).
    // Older kernels accept the call and ignore it: read it back.
    attr.size = sizeof attr;
    attr.sched_flags = 0;
    attr.sched_runtime = static_cast<std::uint64_t>(slice.count()) * 1000;
    if (syscall(SYS_sched_setattr, 0, &attr, 0) != 0) return std::strerror(errno);
    SchedAttr now;
    if (!get_attr(now)) return std::strerror(errno);
    if (now.sched_runtime != attr.sched_runtime) return "this kernel has no per-task slice";
    return {};
}

std::string request_realtime() {
    sched_param param{};
    param.sched_priority = 1;
    // SCHED_RESET_ON_FORK: the resolver's and the recorder's threads, started later, stay
    // normal; only the sender runs ahead of everything else.
    if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &param) != 0) {
        return std::strerror(errno);
    }
    return {};
}

}  // namespace amqpprox::replay
