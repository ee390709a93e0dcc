#include "session_recorder.hpp"

namespace amqpprox::proxy {

void SessionRecorder::frame(capture::Direction direction, amqp::FrameType type,
                            std::uint16_t channel, amqp::ByteView payload, std::int64_t ts_ns) {
    if (m_chosen ? m_writers.empty() : !m_hold) return;
    if (ts_ns == 0) ts_ns = capture::now_ns();
    if (!m_chosen) {
        m_held.push_back(
            {direction, type, channel, amqp::Bytes(payload.begin(), payload.end()), ts_ns});
        return;
    }
    for (const auto& writer : m_writers) {
        writer->record_frame(m_start.id, direction, type, channel, payload, ts_ns);
    }
}

void SessionRecorder::choose(std::vector<std::shared_ptr<capture::CaptureWriter>> writers,
                             const std::string& backend, const std::string& backend_address,
                             bool backend_tls) {
    m_chosen = true;
    m_writers = std::move(writers);
    m_start.backend = backend;
    m_start.backend_address = backend_address;
    m_start.backend_tls = backend_tls;
    for (const auto& writer : m_writers) {
        writer->start_session(m_start);
        for (const auto& h : m_held) {
            writer->record_frame(m_start.id, h.direction, h.type, h.channel, h.payload, h.ts_ns);
        }
    }
    m_held.clear();
}

void SessionRecorder::end(capture::ClosedBy who) {
    for (const auto& writer : m_writers)
        writer->end_session(m_start.id, 0, who);
    m_writers.clear();
}

}  // namespace amqpprox::proxy
