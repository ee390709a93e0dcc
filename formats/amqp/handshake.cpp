#include "handshake.hpp"

#include <limits>

#include "constants.hpp"
#include "field_table.hpp"
#include "reader.hpp"
#include "writer.hpp"

namespace amqpprox::amqp {
namespace {

using Next = HandshakeStep::Next;

HandshakeStep step(Next next, Bytes output = {}) {
    return HandshakeStep{next, std::move(output), {}, {}};
}

std::string method_name(const FrameView& frame) {
    if (frame.type != FrameType::method) return std::string(to_string(frame.type)) + " frame";
    if (const auto id = peek_method_id(frame.payload)) {
        if (const auto* meta = find_method(*id)) return meta->display_name;
    }
    return "an unknown method";
}

// The answer to a peer's Connection.Close during the handshake: Close-Ok, then the end.
HandshakeStep close_ok_for(const ConnectionClose& close) {
    Bytes out;
    append_method_frame(out, 0, ConnectionCloseOk{});
    HandshakeStep s = step(Next::close, std::move(out));
    s.close_code = close.reply_code;
    s.close_text = close.reply_text;
    return s;
}

// Whether a Start's space-separated mechanism list names `mechanism` (a whole word: PLAIN is
// not offered by "AMQPLAIN").
bool offers_mechanism(std::string_view mechanisms, std::string_view mechanism) {
    while (!mechanisms.empty()) {
        const auto space = mechanisms.find(' ');
        if (mechanisms.substr(0, space) == mechanism) return true;
        if (space == std::string_view::npos) break;
        mechanisms.remove_prefix(space + 1);
    }
    return false;
}

}  // namespace

void append_method_frame(Bytes& out, std::uint16_t channel, const Method& method) {
    Bytes payload;
    // Methods the proxy builds itself always encode (strings are cut before).
    (void)encode_method(method, payload);
    encode_frame(FrameType::method, channel, payload, out);
}

Bytes connection_close_frame(std::uint16_t code, std::string_view text, MethodId failing) {
    Bytes out;
    append_method_frame(out, 0,
                        ConnectionClose{.reply_code = code,
                                        .reply_text = std::string(text.substr(0, 255)),
                                        .class_id = failing.class_id,
                                        .method_id = failing.method_id});
    return out;
}

ServerHandshake::Offer::Offer(Config config) : m_config(std::move(config)) {
    append_method_frame(m_start_frame, 0,
                        ConnectionStart{.version_major = 0,
                                        .version_minor = 9,
                                        .server_properties = m_config.server_properties,
                                        .mechanisms = m_config.mechanisms,
                                        .locales = m_config.locales});
}

HandshakeStep ServerHandshake::fail(std::uint16_t code, std::string text, MethodId failing) {
    m_state = State::closed;
    HandshakeStep s = step(Next::close, connection_close_frame(code, text, failing));
    s.close_code = code;
    s.close_text = std::move(text);
    return s;
}

HandshakeStep ServerHandshake::on_protocol_header(const ProtocolHeader& header) {
    if (m_state != State::header)
        return fail(reply::unexpected_frame, "unexpected protocol header");
    if (!header.accepted()) {
        // The spec's answer to a header we do not speak: ours, then close.
        m_state = State::closed;
        HandshakeStep s = step(
            Next::close, Bytes(kProtocolHeader091.bytes.begin(), kProtocolHeader091.bytes.end()));
        s.close_text = "unsupported protocol " + header.to_string();
        return s;
    }
    m_state = State::start_ok;
    return step(Next::more, m_offer->start_frame());
}

HandshakeStep ServerHandshake::on_error(const Error& error) {
    if (error.code == Errc::bad_protocol_header) {
        // Not AMQP at all (HTTP, TLS to a plain port): the spec's answer is our header.
        m_state = State::closed;
        HandshakeStep s = step(
            Next::close, Bytes(kProtocolHeader091.bytes.begin(), kProtocolHeader091.bytes.end()));
        s.close_text = error.message();
        return s;
    }
    return fail(error.reply_code(), error.message());
}

// The client's Start-Ok is checked whole (the same errors as decoding it) but read only for
// its mechanism: the proxy passes the rest on as bytes (start_ok_frame_adding), and decoding
// the client's property table was the largest part of this handshake's CPU
// (docs/BENCHMARKS.md).
HandshakeStep ServerHandshake::on_start_ok(const FrameView& frame) {
    Reader r(frame.payload, frame.offset + kFrameHeaderSize);
    r.take(4);  // class and method ids
    skip_field_table(r);
    const auto mechanism = r.short_str();
    r.long_str();   // response
    r.short_str();  // locale
    r.expect_end();
    if (!r.ok()) return on_error(r.error());
    m_mechanism = mechanism;
    m_start_ok_payload.assign(frame.payload.begin(), frame.payload.end());
    m_state = State::tune_ok;
    Bytes out;
    const auto& offered = m_offer->config().tune;
    append_method_frame(out, 0,
                        ConnectionTune{.channel_max = offered.channel_max,
                                       .frame_max = offered.frame_max,
                                       .heartbeat = offered.heartbeat});
    return step(Next::more, std::move(out));
}

HandshakeStep ServerHandshake::on_frame(const FrameView& frame) {
    if (m_state == State::closed || m_state == State::done) {
        return fail(reply::unexpected_frame, "frame after the handshake ended");
    }
    if (frame.type == FrameType::heartbeat && m_state == State::open) return step(Next::more);
    if (frame.channel != 0) {
        return fail(reply::channel_error, "CHANNEL_ERROR - " + method_name(frame) + " on channel " +
                                              std::to_string(frame.channel) +
                                              " before the connection is open");
    }
    if (frame.type != FrameType::method) {
        return fail(reply::unexpected_frame,
                    "UNEXPECTED_FRAME - " + method_name(frame) + " during the handshake");
    }
    if (m_state == State::start_ok) {
        if (const auto id = peek_method_id(frame.payload); id && *id == ConnectionStartOk::id) {
            return on_start_ok(frame);
        }
    }
    auto method = decode_method(frame.payload, frame.offset + kFrameHeaderSize);
    if (!method) return on_error(method.error());
    const auto id = method_id(*method);

    if (const auto* close = std::get_if<ConnectionClose>(&*method)) {
        m_state = State::closed;
        return close_ok_for(*close);
    }
    switch (m_state) {
        case State::tune_ok:
            if (const auto* tune_ok = std::get_if<ConnectionTuneOk>(&*method)) {
                const auto& offered = m_offer->config().tune;
                // A client may lower the limits, never raise them (0 means "no limit").
                if (tune_ok->frame_max != 0 && tune_ok->frame_max < kFrameMinSize) {
                    return fail(reply::not_allowed,
                                "NOT_ALLOWED - frame_max " + std::to_string(tune_ok->frame_max) +
                                    " is below the minimum 4096",
                                id);
                }
                if (tune_ok->frame_max == 0 || tune_ok->frame_max > offered.frame_max) {
                    return fail(reply::not_allowed,
                                "NOT_ALLOWED - frame_max " + std::to_string(tune_ok->frame_max) +
                                    " is above the offered " + std::to_string(offered.frame_max),
                                id);
                }
                if (tune_ok->channel_max == 0 || tune_ok->channel_max > offered.channel_max) {
                    return fail(reply::not_allowed,
                                "NOT_ALLOWED - channel_max " +
                                    std::to_string(tune_ok->channel_max) +
                                    " is above the offered " + std::to_string(offered.channel_max),
                                id);
                }
                m_tuned = {tune_ok->channel_max, tune_ok->frame_max, tune_ok->heartbeat};
                m_state = State::open;
                return step(Next::more);
            }
            break;
        case State::open:
            if (auto* open = std::get_if<ConnectionOpen>(&*method)) {
                m_open = std::move(*open);
                m_state = State::done;
                return step(Next::done);
            }
            break;
        default:
            break;
    }
    return fail(reply::command_invalid,
                "COMMAND_INVALID - " + info(*method).display_name + " during the handshake", id);
}

Result<Bytes> start_ok_frame_adding(ByteView payload, const FieldTable& added) {
    Reader r(payload);
    r.take(4);  // class and method ids
    const auto table_size = r.u32();
    r.take(table_size);
    if (!r.ok()) return tl::unexpected(r.error());
    Bytes entries;  // `added` as a table, whose own length is dropped below
    Writer table(entries);
    write_field_table(table, added);
    if (!table.ok()) return tl::unexpected(table.error());
    const auto added_size = entries.size() - 4;
    if (payload.size() + added_size > std::numeric_limits<std::uint32_t>::max()) {
        return tl::unexpected(Error{Errc::frame_too_large, payload.size(), 0});
    }
    Bytes spliced;
    spliced.reserve(payload.size() + added_size);
    Writer w(spliced);
    w.bytes(payload.first(4));
    w.u32(static_cast<std::uint32_t>(table_size + added_size));
    w.bytes(payload.subspan(8, table_size));
    w.bytes(ByteView(entries).subspan(4));
    w.bytes(payload.subspan(8 + std::size_t{table_size}));
    Bytes frame;
    encode_frame(FrameType::method, 0, spliced, frame);
    return frame;
}

Bytes ClientHandshake::start() const {
    return Bytes(kProtocolHeader091.bytes.begin(), kProtocolHeader091.bytes.end());
}

HandshakeStep ClientHandshake::fail(std::string text) {
    m_state = State::closed;
    HandshakeStep s = step(Next::close);
    s.close_code = reply::connection_forced;
    s.close_text = std::move(text);
    return s;
}

HandshakeStep ClientHandshake::on_error(const Error& error) {
    return fail("broker sent a malformed frame: " + error.message());
}

// The broker's Start is read for its mechanisms only. The proxy has no use for its property
// table (a capture decodes it from the recorded frame), and decoding that table was about a
// third of this handshake's CPU per connection (docs/BENCHMARKS.md).
HandshakeStep ClientHandshake::on_start(const FrameView& frame) {
    Reader r(frame.payload, frame.offset + kFrameHeaderSize);
    r.take(4);        // class and method ids
    r.take(2);        // version-major, version-minor
    r.take(r.u32());  // server-properties, skipped whole
    const auto mechanisms = r.long_str();
    r.long_str();  // locales
    r.expect_end();
    if (!r.ok()) return on_error(r.error());
    const auto& mechanism = m_config.start_ok.mechanism;
    if (!offers_mechanism(mechanisms, mechanism)) {
        return fail("broker does not offer the client's mechanism " + mechanism);
    }
    m_state = State::tune;
    if (!m_config.start_ok_frame.empty()) return step(Next::more, m_config.start_ok_frame);
    Bytes out;
    append_method_frame(out, 0, m_config.start_ok);
    return step(Next::more, std::move(out));
}

HandshakeStep ClientHandshake::on_frame(const FrameView& frame) {
    if (frame.type == FrameType::heartbeat) return step(Next::more);
    if (frame.type != FrameType::method || frame.channel != 0) {
        return fail("broker sent " + method_name(frame) + " during the handshake");
    }
    if (m_state == State::start) {
        if (const auto id = peek_method_id(frame.payload); id && *id == ConnectionStart::id) {
            return on_start(frame);
        }
    }
    auto method = decode_method(frame.payload, frame.offset + kFrameHeaderSize);
    if (!method) return on_error(method.error());

    if (auto* close = std::get_if<ConnectionClose>(&*method)) {
        // A refusal (bad credentials, no access to the vhost): the client hears it as is.
        m_refusal = std::move(*close);
        m_state = State::closed;
        return close_ok_for(*m_refusal);
    }
    switch (m_state) {
        case State::tune:
            if (const auto* tune = std::get_if<ConnectionTune>(&*method)) {
                m_broker_tune = {tune->channel_max, tune->frame_max, tune->heartbeat};
                const auto& agreed = m_config.tuned;
                // The client tuned against the proxy before the broker was known: the broker
                // must accept what the client agreed, or frames could not pass unchanged.
                if (tune->frame_max != 0 && agreed.frame_max > tune->frame_max) {
                    return fail("broker frame_max " + std::to_string(tune->frame_max) +
                                " is below the client's " + std::to_string(agreed.frame_max));
                }
                if (tune->channel_max != 0 && agreed.channel_max > tune->channel_max) {
                    return fail("broker channel_max " + std::to_string(tune->channel_max) +
                                " is below the client's " + std::to_string(agreed.channel_max));
                }
                m_state = State::open_ok;
                Bytes out;
                append_method_frame(out, 0,
                                    ConnectionTuneOk{.channel_max = agreed.channel_max,
                                                     .frame_max = agreed.frame_max,
                                                     .heartbeat = agreed.heartbeat});
                append_method_frame(out, 0, m_config.open);
                return step(Next::more, std::move(out));
            }
            break;
        case State::open_ok:
            if (std::holds_alternative<ConnectionOpenOk>(*method)) {
                m_state = State::done;
                m_open_ok.clear();
                encode_frame(FrameType::method, 0, frame.payload, m_open_ok);
                return step(Next::done);
            }
            break;
        default:
            break;
    }
    return fail("broker sent " + info(*method).display_name + " out of order");
}

}  // namespace amqpprox::amqp
