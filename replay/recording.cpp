#include "recording.hpp"

#include <utility>

namespace amqpprox::replay {

SessionRecording::SessionRecording(capture::CaptureWriter& writer, capture::SessionId id,
                                   std::string client_address, std::string broker_address, bool tls)
    : m_writer(writer), m_id(id) {
    m_writer.start_session({.id = id,
                            .start_ns = capture::now_ns(),
                            .client_address = std::move(client_address),
                            .backend_address = std::move(broker_address),
                            .backend = "amqp-replay",
                            .backend_tls = tls});
}

void SessionRecording::sent(amqp::ByteView bytes) {
    if (m_out_broken || m_ended) return;
    m_out.feed(bytes);
    for (;;) {
        auto frame = m_out.next();
        if (!frame) {
            m_out_broken = true;
            return;
        }
        if (!*frame) return;
        const auto& f = **frame;
        m_writer.record_frame(m_id, capture::Direction::client_to_broker, f.type, f.channel,
                              f.payload);
    }
}

void SessionRecording::received(amqp::FrameType type, std::uint16_t channel,
                                amqp::ByteView payload) {
    if (m_ended) return;
    m_writer.record_frame(m_id, capture::Direction::broker_to_client, type, channel, payload);
}

void SessionRecording::end(capture::ClosedBy who) {
    if (m_ended) return;
    m_ended = true;
    m_writer.end_session(m_id, 0, who);
}

}  // namespace amqpprox::replay
