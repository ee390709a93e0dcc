// The opening handshake as the proxy plays it, sans-IO: feed frames in, get bytes to send
// and what happens next. Toward the client the proxy is the server (ServerHandshake: until
// Connection.Open names the vhost); toward the broker it is the client (ClientHandshake:
// replaying the client's Start-Ok, Tune-Ok and Open). docs/handshake.md tells the sequence.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "bytes.hpp"
#include "error.hpp"
#include "frame.hpp"
#include "methods.hpp"

namespace amqpprox::amqp {

// What the session does after feeding the handshake one input.
struct HandshakeStep {
    enum class Next : std::uint8_t {
        more,   // send `output`, keep reading
        done,   // send `output`; the handshake is complete
        close,  // send `output`, then close the connection
    };
    Next next = Next::more;
    Bytes output;
    // With Next::close: why (for logs and the capture's session row).
    std::optional<std::uint16_t> close_code;
    std::string close_text;
};

// Encodes a method frame (appending to `out`).
void append_method_frame(Bytes& out, std::uint16_t channel, const Method& method);
// Connection.Close with `code` and `text` (cut to 255 bytes), for the failing method if known.
Bytes connection_close_frame(std::uint16_t code, std::string_view text, MethodId failing = {});
// A Start-Ok frame: the client's (its method payload, as sent) with `added` appended to its
// client-properties table and every other byte unchanged. Fails on a payload too short for
// its table, or additions that do not encode (a name over 255 bytes).
Result<Bytes> start_ok_frame_adding(ByteView start_ok_payload, const FieldTable& added);

// The limits a peer agreed in Tune-Ok.
struct TuneParameters {
    std::uint16_t channel_max = 0;
    std::uint32_t frame_max = 0;
    std::uint16_t heartbeat = 0;
    bool operator==(const TuneParameters&) const = default;
};

class ServerHandshake {
public:
    struct Config {
        FieldTable server_properties;
        std::string mechanisms = "PLAIN AMQPLAIN";
        std::string locales = "en_US";
        TuneParameters tune{2047, kDefaultFrameMax, 60};  // what the proxy offers
    };

    // What the proxy offers every client, with its Start frame encoded once: a server shares
    // one among its sessions instead of encoding the same Start for each connection.
    class Offer {
    public:
        explicit Offer(Config config);
        const Config& config() const { return m_config; }
        const Bytes& start_frame() const { return m_start_frame; }

    private:
        Config m_config;
        Bytes m_start_frame;
    };

    explicit ServerHandshake(Config config)
        : ServerHandshake(std::make_shared<const Offer>(std::move(config))) {}
    explicit ServerHandshake(std::shared_ptr<const Offer> offer) : m_offer(std::move(offer)) {}

    HandshakeStep on_protocol_header(const ProtocolHeader& header);
    // A complete frame from the client (after the protocol header).
    HandshakeStep on_frame(const FrameView& frame);
    // A malformed input (a splitter error): Close with its reply code.
    HandshakeStep on_error(const Error& error);

    // Valid once done. The client's Start-Ok is kept as sent: its property table is checked,
    // not decoded (decode_method(start_ok_payload()) gives the whole method).
    const std::string& mechanism() const { return m_mechanism; }
    const Bytes& start_ok_payload() const { return m_start_ok_payload; }
    const TuneParameters& tuned() const { return m_tuned; }
    const ConnectionOpen& open() const { return m_open; }

private:
    enum class State : std::uint8_t { header, start_ok, tune_ok, open, done, closed };
    HandshakeStep fail(std::uint16_t code, std::string text, MethodId failing = {});
    HandshakeStep on_start_ok(const FrameView& frame);

    std::shared_ptr<const Offer> m_offer;
    State m_state = State::header;
    std::string m_mechanism;
    Bytes m_start_ok_payload;
    TuneParameters m_tuned;
    ConnectionOpen m_open;
};

class ClientHandshake {
public:
    struct Config {
        ConnectionStartOk start_ok;  // the client's, with the proxy's additions
        TuneParameters tuned;        // what the client agreed with the proxy
        ConnectionOpen open;
        // When not empty, sent as is instead of encoding start_ok (whose mechanism is still
        // checked against the broker's): the proxy splices its properties into the client's
        // bytes (start_ok_frame_adding) rather than decode and re-encode the table.
        Bytes start_ok_frame;
    };

    explicit ClientHandshake(Config config) : m_config(std::move(config)) {}

    // The bytes that open the connection: the protocol header.
    Bytes start() const;
    // A complete frame from the broker.
    HandshakeStep on_frame(const FrameView& frame);
    HandshakeStep on_error(const Error& error);

    // When the broker refused (its Connection.Close): relay this to the client.
    const std::optional<ConnectionClose>& refusal() const { return m_refusal; }
    // The broker's Open-Ok frame bytes, to relay to the client once done.
    const Bytes& open_ok_frame() const { return m_open_ok; }
    const TuneParameters& broker_tune() const { return m_broker_tune; }

private:
    enum class State : std::uint8_t { start, tune, open_ok, done, closed };
    HandshakeStep on_start(const FrameView& frame);
    HandshakeStep fail(std::string text);

    Config m_config;
    State m_state = State::start;
    TuneParameters m_broker_tune;
    std::optional<ConnectionClose> m_refusal;
    Bytes m_open_ok;
};

}  // namespace amqpprox::amqp
