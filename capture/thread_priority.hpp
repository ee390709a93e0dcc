// How much of the CPU the capture's own threads (the writer, the checkpoint) ask for.
#pragma once

#include <cstdint>
#include <string>

namespace amqpprox::capture {

enum class ThreadPriority : std::uint8_t {
    normal,  // the scheduler's default, like the proxy's network threads
    // SCHED_IDLE: runs only on CPU nothing else wants, so a waking network thread (or the
    // broker beside the proxy) never waits behind a commit; under overload the writer
    // falls further behind and, with the drop policy, more frames become gaps.
    idle,
};

// Applies `priority` to the calling thread: an empty string when done, else why not.
std::string apply_thread_priority(ThreadPriority priority);

}  // namespace amqpprox::capture
