// A thread of its own for DNS work the proxy does on the side (the StatsD host, reverse
// lookups for MAPHOSTNAME). Asio runs getaddrinfo/getnameinfo on one hidden thread per
// io_context; sharing the network io_context's would let a slow name server hold up the
// backend lookups of new sessions.
#pragma once

#include <thread>

#include "asio.hpp"

namespace amqpprox::proxy {

class LookupThread {
public:
    LookupThread();
    ~LookupThread() { stop(); }
    // Lookups under way are abandoned, their handlers never run. Idempotent.
    void stop();
    LookupThread(const LookupThread&) = delete;
    LookupThread& operator=(const LookupThread&) = delete;

    asio::io_context& io() { return m_io; }

private:
    asio::io_context m_io{1};
    asio::executor_work_guard<asio::io_context::executor_type> m_work;
    std::thread m_thread;
};

}  // namespace amqpprox::proxy
