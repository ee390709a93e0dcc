// --record: the replayed traffic of one session written to a capture file as the proxy would
// have written it (protocol header, handshake, both directions), so amqp-analyze reads it.
#pragma once

#include <cstdint>
#include <string>

#include "capture/record.hpp"
#include "capture/writer.hpp"
#include "formats/amqp/frame.hpp"

namespace amqpprox::replay {

class SessionRecording {
public:
    // Starts the session row; the writer's thread fills vhost and user from the handshake.
    SessionRecording(capture::CaptureWriter& writer, capture::SessionId id,
                     std::string client_address, std::string broker_address, bool tls);

    // Bytes about to be written to the broker: split back into frames (the writes are whole
    // frames, but the splitter does not rely on it).
    void sent(amqp::ByteView bytes);
    // A frame the broker sent.
    void received(amqp::FrameType type, std::uint16_t channel, amqp::ByteView payload);
    void end(capture::ClosedBy who);

private:
    capture::CaptureWriter& m_writer;
    capture::SessionId m_id;
    amqp::FrameSplitter m_out{amqp::FrameSplitter::Start::protocol_header, 0};
    bool m_out_broken = false;  // our own bytes did not split: stop recording them
    bool m_ended = false;
};

}  // namespace amqpprox::replay
