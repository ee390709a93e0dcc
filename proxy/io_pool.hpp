// The network threads: one io_context per thread, run by that thread alone. A session is
// given to one context for its whole life, so its work is serialized without a strand, and
// a busy session never waits on a wake-up from another thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "asio.hpp"

namespace amqpprox::proxy {

// How the network threads ask the kernel's scheduler for a CPU.
enum class NetworkPriority : std::uint8_t {
    normal,  // SCHED_OTHER: a thread woken by bytes preempts what runs, as HAProxy's do
    // SCHED_BATCH: a woken thread waits for the running task's turn instead of preempting
    // it. When every CPU is busy (a client and a broker beside the proxy), the proxy then
    // reads bursts instead of single messages, for less CPU per message, and a wake-up can
    // wait up to a scheduler slice (milliseconds). With a CPU idle, nothing changes.
    batch,
};

class IoPool {
public:
    explicit IoPool(int threads, NetworkPriority priority = NetworkPriority::normal);
    ~IoPool();
    IoPool(const IoPool&) = delete;
    IoPool& operator=(const IoPool&) = delete;

    // Listeners, the metrics endpoint and other work of no session: the first context.
    asio::io_context& main() { return *m_contexts.front(); }
    // The context of a new session, in turn.
    asio::io_context& next();

    // One thread per context, until stop().
    void start();
    // Lets every context run out and stops it; from any thread. join() waits for the threads.
    void stop();
    void join();

private:
    std::vector<std::unique_ptr<asio::io_context>> m_contexts;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> m_work;
    std::vector<std::thread> m_threads;
    std::atomic<std::size_t> m_next{0};
    NetworkPriority m_priority;
};

}  // namespace amqpprox::proxy
