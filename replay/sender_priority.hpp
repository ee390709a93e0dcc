// How the thread that sends paced frames asks Linux to run it on time. A paced send is a
// timer expiry, and on a busy machine a woken thread can wait milliseconds for a core.
// Each call applies to the calling thread and returns an empty string when done, else why not.
#pragma once

#include <chrono>
#include <string>

namespace amqpprox::replay {

// A short time slice (EEVDF's per-task slice, Linux 6.12 and later), so that a waking sender
// preempts the running task sooner. Needs no privilege and keeps the policy and nice value;
// older kernels take no slice and the replay goes on with the default.
std::string request_short_slice(std::chrono::microseconds slice);

// SCHED_FIFO at priority 1: runs as soon as it wakes, ahead of every normal task. Needs
// root, CAP_SYS_NICE or an RLIMIT_RTPRIO of 1 (`ulimit -r`). Threads the caller starts later
// get the normal policy back.
std::string request_realtime();

}  // namespace amqpprox::replay
