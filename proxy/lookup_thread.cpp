#include "lookup_thread.hpp"

namespace amqpprox::proxy {

LookupThread::LookupThread()
    : m_work(asio::make_work_guard(m_io)), m_thread([this] { m_io.run(); }) {}

void LookupThread::stop() {
    m_work.reset();
    m_io.stop();
    if (m_thread.joinable()) m_thread.join();
}

}  // namespace amqpprox::proxy
