// The network threads: one io_context per thread, run by that thread alone. A session is
// given to one context for its whole life, so its work is serialized without a strand, and
// a busy session never waits on a wake-up from another thread.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "asio.hpp"
#include "capture/thread_priority.hpp"

namespace amqpprox::proxy {

class IoPool {
public:
    // `priority`: of every network thread (--networkPriority).
    explicit IoPool(int threads,
                    capture::ThreadPriority priority = capture::ThreadPriority::normal);
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
    capture::ThreadPriority m_priority;
};

}  // namespace amqpprox::proxy
