#include "io_pool.hpp"

#include <algorithm>

#include "log.hpp"

namespace amqpprox::proxy {

IoPool::IoPool(int threads, capture::ThreadPriority priority) : m_priority(priority) {
    for (int i = 0; i < std::max(threads, 1); ++i) {
        // Concurrency hint 1: Asio may then keep completions on the thread's own queue.
        m_contexts.push_back(std::make_unique<asio::io_context>(1));
        m_work.push_back(asio::make_work_guard(*m_contexts.back()));
    }
}

IoPool::~IoPool() {
    stop();
    join();
}

asio::io_context& IoPool::next() {
    return *m_contexts[m_next.fetch_add(1, std::memory_order_relaxed) % m_contexts.size()];
}

void IoPool::start() {
    for (auto& context : m_contexts) {
        m_threads.emplace_back([io = context.get(), priority = m_priority] {
            if (const auto error = capture::apply_thread_priority(priority); !error.empty())
                log(LogLevel::warning,
                    "network thread: " + error + "; running at the normal policy");
            io->run();
        });
    }
}

void IoPool::stop() {
    for (auto& work : m_work)
        work.reset();
    for (auto& context : m_contexts)
        context->stop();
}

void IoPool::join() {
    for (auto& thread : m_threads) {
        if (thread.joinable()) thread.join();
    }
}

}  // namespace amqpprox::proxy
