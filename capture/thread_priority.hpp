// How a thread asks the kernel's scheduler for a CPU: the capture's own threads (the writer,
// the checkpoint; --captureIdlePriority) and the proxy's network threads (--networkPriority).
#pragma once

#include <cstdint>
#include <string>

namespace amqpprox::capture {

enum class ThreadPriority : std::uint8_t {
    normal,  // the scheduler's default (SCHED_OTHER)
    // SCHED_IDLE: runs only on CPU nothing else wants, so a waking network thread (or the
    // broker beside the proxy) never waits behind a commit; under overload the writer
    // falls further behind and, with the drop policy, more frames become gaps.
    idle,
    // SCHED_BATCH: a woken thread waits for the running task's turn instead of preempting
    // it. For network threads on a host whose CPUs are all busy (a client and a broker
    // beside the proxy): they then read bursts instead of single messages, for less CPU per
    // message, and a wake-up can wait up to a scheduler slice. With a CPU idle, no change.
    batch,
};

// Applies `priority` to the calling thread: an empty string when done, else why not.
std::string apply_thread_priority(ThreadPriority priority);

}  // namespace amqpprox::capture
