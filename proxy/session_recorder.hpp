// Records one session into the captures that want it. Frames seen before the routing is
// known (the handshake) are held and written once the captures are chosen, so every capture
// holds its sessions from the very first protocol header. A session that starts while no
// capture runs holds nothing: no capture records a session older than itself.
#pragma once

#include <memory>
#include <vector>

#include "capture/writer.hpp"

namespace amqpprox::proxy {

class SessionRecorder {
public:
    // `hold`: whether a capture runs as the session starts.
    SessionRecorder(capture::SessionStart start, bool hold)
        : m_start(std::move(start)), m_hold(hold) {}

    // `ts_ns` 0: now.
    void frame(capture::Direction direction, amqp::FrameType type, std::uint16_t channel,
               amqp::ByteView payload, std::int64_t ts_ns = 0);
    // The captures that record this session (possibly none); held frames are written now.
    void choose(std::vector<std::shared_ptr<capture::CaptureWriter>> writers,
                const std::string& backend, const std::string& backend_address,
                bool backend_tls = false);
    void end(capture::ClosedBy who);
    bool recording() const { return !m_writers.empty(); }
    bool chosen() const { return m_chosen; }
    // A load balancer's PROXY header names the real client; before choose() only.
    void set_client_address(std::string address) { m_start.client_address = std::move(address); }

private:
    struct Held {
        capture::Direction direction;
        amqp::FrameType type;
        std::uint16_t channel;
        amqp::Bytes payload;
        std::int64_t ts_ns;
    };
    capture::SessionStart m_start;
    bool m_hold;
    bool m_chosen = false;
    std::vector<Held> m_held;
    std::vector<std::shared_ptr<capture::CaptureWriter>> m_writers;
};

}  // namespace amqpprox::proxy
