#include "connection.hpp"

#include <array>

#include "formats/amqp/constants.hpp"
#include "formats/amqp/handshake.hpp"
#include "proxy/tls_context.hpp"
#include "wire.hpp"

namespace amqpstream {

namespace {

std::string describe_close(std::uint16_t code, const std::string& text) {
    return std::to_string(code) + " " + text;
}

void wake_all(Channel& ch) {
    ch.reply_event.notify();
    ch.delivery_event.notify();
    ch.confirm_event.notify();
}

void settle(Channel& ch, std::uint64_t tag, bool multiple, bool nack) {
    if (multiple) {
        ch.unconfirmed.erase(ch.unconfirmed.begin(), ch.unconfirmed.upper_bound(tag));
    } else {
        ch.unconfirmed.erase(tag);
    }
    if (nack) ++ch.nacks;
    ch.confirm_event.notify();
}

void complete_content(Channel& ch) {
    if (ch.incoming == Channel::Incoming::deliver) {
        ch.deliveries.push_back(std::move(ch.partial));
        ch.delivery_event.notify();
    } else {
        ++ch.returns;
        ch.last_return = ch.return_text;
        ch.confirm_event.notify();
    }
    ch.partial = {};
    ch.incoming = Channel::Incoming::none;
}

void on_channel_method(Connection& c, Channel& ch, amqp::Method method) {
    if (auto* close = std::get_if<amqp::ChannelClose>(&method)) {
        c.send_method(ch.id, amqp::ChannelCloseOk{});
        ch.close_code = close->reply_code;
        ch.error = "the broker closed channel " + std::to_string(ch.id) + ": " +
                   describe_close(close->reply_code, close->reply_text);
        wake_all(ch);
        c.m_channels.erase(ch.id);
    } else if (std::holds_alternative<amqp::ChannelCloseOk>(method)) {
        if (!ch.error) ch.error = "channel closed";
        wake_all(ch);
        c.m_channels.erase(ch.id);
    } else if (auto* deliver = std::get_if<amqp::BasicDeliver>(&method)) {
        ch.incoming = Channel::Incoming::deliver;
        ch.partial = {.delivery_tag = deliver->delivery_tag};
    } else if (auto* ret = std::get_if<amqp::BasicReturn>(&method)) {
        ch.incoming = Channel::Incoming::ret;
        ch.partial = {};
        ch.return_text = describe_close(ret->reply_code, ret->reply_text) + " (queue \"" +
                         ret->routing_key + "\")";
    } else if (auto* a = std::get_if<amqp::BasicAck>(&method)) {
        settle(ch, a->delivery_tag, a->multiple, false);
    } else if (auto* n = std::get_if<amqp::BasicNack>(&method)) {
        settle(ch, n->delivery_tag, n->multiple, true);
    } else if (std::holds_alternative<amqp::BasicCancel>(method)) {
        // The broker cancels a consumer whose queue was deleted.
        ch.error = "the broker cancelled the consumer on channel " + std::to_string(ch.id);
        wake_all(ch);
    } else {
        ch.reply = std::move(method);
        ch.reply_event.notify();
    }
}

// Handles one frame; an error text ends the connection.
std::optional<std::string> on_frame(Connection& c, const amqp::FrameView& frame) {
    if (frame.type == amqp::FrameType::heartbeat) return std::nullopt;
    if (frame.channel == 0) {
        if (frame.type != amqp::FrameType::method) return "content frame on channel 0";
        auto method = amqp::decode_method(frame.payload);
        if (!method) return "malformed method from the broker: " + method.error().message();
        if (auto* close = std::get_if<amqp::ConnectionClose>(&*method)) {
            c.send_method(0, amqp::ConnectionCloseOk{});
            return "the broker closed the connection: " +
                   describe_close(close->reply_code, close->reply_text);
        }
        if (std::holds_alternative<amqp::ConnectionCloseOk>(*method))
            return std::string("connection closed");
        return std::nullopt;  // blocked/unblocked and the like: nothing to do here
    }
    auto it = c.m_channels.find(frame.channel);
    if (it == c.m_channels.end()) return std::nullopt;  // a channel we gave up on
    auto ch = it->second;                               // erasing from the table keeps it
    switch (frame.type) {
        case amqp::FrameType::method: {
            auto method = amqp::decode_method(frame.payload);
            if (!method) return "malformed method from the broker: " + method.error().message();
            on_channel_method(c, *ch, std::move(*method));
            break;
        }
        case amqp::FrameType::header: {
            if (ch->incoming == Channel::Incoming::none) return "unexpected content header";
            auto header = amqp::decode_content_header(frame.payload);
            if (!header) return "malformed content header: " + header.error().message();
            ch->partial.properties = std::move(header->properties);
            ch->remaining = header->body_size;
            ch->partial.body.reserve(header->body_size);
            if (ch->remaining == 0) complete_content(*ch);
            break;
        }
        case amqp::FrameType::body: {
            if (ch->incoming == Channel::Incoming::none || frame.payload.size() > ch->remaining)
                return "unexpected body frame";
            ch->partial.body.insert(ch->partial.body.end(), frame.payload.begin(),
                                    frame.payload.end());
            ch->remaining -= frame.payload.size();
            if (ch->remaining == 0) complete_content(*ch);
            break;
        }
        default:
            return "unexpected frame type";
    }
    return std::nullopt;
}

awaitable<void> read_loop(std::shared_ptr<Connection> c) {
    std::array<std::byte, 65536> buffer;
    for (;;) {
        for (;;) {
            auto frame = c->m_splitter.next();
            if (!frame) {
                c->fail("malformed frame from the broker: " + frame.error().message());
                co_return;
            }
            if (!*frame) break;
            if (auto error = on_frame(*c, **frame)) {
                c->fail(*error);
                co_return;
            }
        }
        boost::system::error_code ec;
        const auto n = co_await c->m_socket.async_read_some(
            asio::buffer(buffer), asio::redirect_error(use_awaitable, ec));
        if (ec) {
            c->fail(ec == asio::error::eof ? "the broker closed the TCP connection"
                                           : "reading from the broker: " + ec.message());
            co_return;
        }
        c->m_last_received = Clock::now();
        c->m_splitter.feed(amqp::ByteView(buffer.data(), n));
    }
}

awaitable<void> write_loop(std::shared_ptr<Connection> c) {
    amqp::Bytes writing;
    // After fail() the socket is closed: whatever is left cannot go out.
    while (c->m_socket.socket().is_open()) {
        if (c->m_outgoing.empty()) {
            co_await c->m_outgoing_event.wait();
            continue;
        }
        writing.clear();
        std::swap(writing, c->m_outgoing);
        boost::system::error_code ec;
        co_await asio::async_write(c->m_socket, asio::buffer(writing),
                                   asio::redirect_error(use_awaitable, ec));
        if (ec) {
            c->fail("writing to the broker: " + ec.message());
            co_return;
        }
    }
}

// Sends a heartbeat every half interval and ends the connection when the broker has been
// silent for two intervals (the spec's rule).
awaitable<void> heartbeat_loop(std::shared_ptr<Connection> c) {
    const auto interval = std::chrono::seconds(c->m_heartbeat_s);
    SteadyTimer timer(c->executor());
    while (!c->m_error) {
        timer.expires_after(interval / 2);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
        if (c->m_error) break;
        if (Clock::now() - c->m_last_received > 2 * interval) {
            c->fail("the broker missed its heartbeats: nothing received for " +
                    std::to_string(2 * c->m_heartbeat_s) + " s");
            break;
        }
        amqp::Bytes frame;
        amqp::encode_frame(amqp::FrameType::heartbeat, 0, {}, frame);
        c->send(frame);
    }
}

void log_exception(std::exception_ptr e) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "amqp-stream: internal error: %s\n", ex.what());
    }
}

// The next frame during the handshake (before the reader runs).
awaitable<Expected<amqp::FrameView>> handshake_frame(std::shared_ptr<Connection> c,
                                                     std::array<std::byte, 4096>* buffer) {
    for (;;) {
        auto frame = c->m_splitter.next();
        if (!frame) co_return tl::unexpected("malformed frame: " + frame.error().message());
        if (*frame) co_return **frame;
        boost::system::error_code ec;
        const auto n = co_await c->m_socket.async_read_some(
            asio::buffer(*buffer), asio::redirect_error(use_awaitable, ec));
        if (ec)
            co_return tl::unexpected(ec == asio::error::eof
                                         ? std::string("the broker closed the connection")
                                         : ec.message());
        c->m_splitter.feed(amqp::ByteView(buffer->data(), n));
    }
}

}  // namespace

void Connection::send(const amqp::Bytes& bytes) {
    if (m_error) return;
    m_outgoing.insert(m_outgoing.end(), bytes.begin(), bytes.end());
    m_outgoing_event.notify();
}

void Connection::send_method(std::uint16_t channel, const amqp::Method& method) {
    amqp::Bytes frame;
    amqp::append_method_frame(frame, channel, method);
    send(frame);
}

void Connection::fail(const std::string& why) {
    if (m_error) return;
    m_error = why;
    auto channels = std::move(m_channels);
    m_channels.clear();
    for (auto& [id, ch] : channels) {
        if (!ch->error) ch->error = why;
        wake_all(*ch);
    }
    m_socket.close();
    m_outgoing_event.notify();
}

void Connection::close() {
    if (m_error || m_closing) return;
    m_closing = true;
    send_method(0, amqp::ConnectionClose{.reply_code = amqp::reply::success, .reply_text = "bye"});
    // A broker that does not answer within a second is not waited for.
    auto timer = std::make_shared<SteadyTimer>(executor(), std::chrono::seconds(1));
    timer->async_wait([self = shared_from_this(), timer](const boost::system::error_code&) {
        self->fail("connection closed");
    });
}

awaitable<Expected<std::shared_ptr<Connection>>> connect(Executor executor, AmqpUrl url,
                                                         ConnectionOptions options) {
    auto c = std::make_shared<Connection>(executor);
    const auto where = url.host + ":" + std::to_string(url.port);
    SteadyTimer guard(executor, options.connect_timeout);
    bool timed_out = false;
    guard.async_wait([c, &timed_out](const boost::system::error_code& ec) {
        if (ec) return;
        timed_out = true;
        boost::system::error_code ignored;
        c->m_socket.socket().close(ignored);
    });
    auto unreachable = [&](const std::string& what) {
        return tl::unexpected("cannot reach the broker at " + where + ": " +
                              (timed_out ? "timed out" : what));
    };
    tcp::resolver resolver(executor);
    boost::system::error_code ec;
    const auto port = std::to_string(url.port);
    auto endpoints =
        co_await resolver.async_resolve(url.host, port, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return unreachable(ec.message());
    co_await asio::async_connect(c->m_socket.socket(), endpoints,
                                 asio::redirect_error(use_awaitable, ec));
    if (ec) co_return unreachable(ec.message());
    c->m_socket.socket().set_option(tcp::no_delay(true), ec);
    if (url.tls) {
        auto context = amqpprox::proxy::make_client_tls_context(options.ca_file, options.insecure);
        if (!context) co_return tl::unexpected(context.error());
        c->m_tls_context = *context;
        auto& tls = c->m_socket.start_tls(*c->m_tls_context);
        auto ready =
            amqpprox::proxy::prepare_client_tls(tls.native_handle(), url.host, !options.insecure);
        if (!ready) co_return unreachable(ready.error());
        co_await tls.async_handshake(amqpprox::proxy::ssl::stream_base::client,
                                     asio::redirect_error(use_awaitable, ec));
        if (ec) {
            const bool untrusted =
                ec.message().find("certificate verify failed") != std::string::npos;
            co_return unreachable("TLS handshake failed: " + ec.message() +
                                  (untrusted ? " (--ca FILE trusts the broker's CA, --insecure "
                                               "skips verification)"
                                             : ""));
        }
    }

    amqp::ConnectionStartOk start_ok{.mechanism = "PLAIN", .locale = "en_US"};
    start_ok.client_properties.entries.push_back(
        {"product", amqp::FieldValue{std::string(options.product)}});
    amqp::FieldTable capabilities;
    capabilities.entries.push_back({"publisher_confirms", amqp::FieldValue{true}});
    capabilities.entries.push_back({"consumer_cancel_notify", amqp::FieldValue{true}});
    // Without it RabbitMQ drops the socket on a bad login instead of saying why.
    capabilities.entries.push_back({"authentication_failure_close", amqp::FieldValue{true}});
    start_ok.client_properties.entries.push_back(
        {"capabilities", amqp::FieldValue{std::move(capabilities)}});
    start_ok.response = std::string(1, '\0') + url.user + std::string(1, '\0') + url.password;
    amqp::ClientHandshake handshake({.start_ok = start_ok,
                                     .tuned = {.channel_max = c->m_channel_max,
                                               .frame_max = c->m_frame_max,
                                               .heartbeat = options.heartbeat_s},
                                     .open = {.virtual_host = url.vhost}});
    const auto header = handshake.start();
    co_await asio::async_write(c->m_socket, asio::buffer(header),
                               asio::redirect_error(use_awaitable, ec));
    if (ec) co_return unreachable(ec.message());
    std::array<std::byte, 4096> buffer;
    for (;;) {
        auto frame = co_await handshake_frame(c, &buffer);
        if (!frame) co_return unreachable("handshake failed: " + frame.error());
        const auto step = handshake.on_frame(*frame);
        if (!step.output.empty()) {
            co_await asio::async_write(c->m_socket, asio::buffer(step.output),
                                       asio::redirect_error(use_awaitable, ec));
            if (ec) co_return unreachable(ec.message());
        }
        if (step.next == amqp::HandshakeStep::Next::done) break;
        if (step.next == amqp::HandshakeStep::Next::close) {
            if (handshake.refusal())
                co_return tl::unexpected("the broker at " + where + " refused the login as \"" +
                                         url.user + "\": " +
                                         describe_close(handshake.refusal()->reply_code,
                                                        handshake.refusal()->reply_text));
            co_return unreachable("handshake failed: " + step.close_text);
        }
    }
    guard.cancel();
    c->m_heartbeat_s = options.heartbeat_s;
    c->m_splitter.set_frame_max(c->m_frame_max);
    c->m_last_received = Clock::now();
    asio::co_spawn(executor, read_loop(c), log_exception);
    asio::co_spawn(executor, write_loop(c), log_exception);
    if (c->m_heartbeat_s > 0) asio::co_spawn(executor, heartbeat_loop(c), log_exception);
    co_return c;
}

awaitable<Expected<std::shared_ptr<Channel>>> open_channel(std::shared_ptr<Connection> c) {
    if (c->m_error) co_return tl::unexpected(*c->m_error);
    std::uint16_t id = 1;
    while (c->m_channels.contains(id)) {
        if (id == c->m_channel_max) co_return tl::unexpected(std::string("no free channel"));
        ++id;
    }
    auto ch = std::make_shared<Channel>();
    ch->id = id;
    ch->connection = c;
    c->m_channels.emplace(id, ch);
    // Named, not a temporary: GCC 12 frees a variant temporary in a co_await expression
    // twice. The same holds for every call() below.
    const amqp::Method open = amqp::ChannelOpen{};
    auto ok = co_await call(ch, open, std::chrono::seconds(10));
    if (!ok) co_return tl::unexpected(ok.error());
    co_return ch;
}

awaitable<Expected<amqp::Method>> call(std::shared_ptr<Channel> ch, const amqp::Method& method,
                                       std::chrono::milliseconds timeout) {
    auto c = ch->connection.lock();
    if (!c || ch->error) co_return tl::unexpected(ch->error.value_or("connection gone"));
    const auto name = std::string(amqp::info(method).name);
    ch->reply.reset();
    c->send_method(ch->id, method);
    const auto deadline = deadline_after(timeout);
    while (!ch->reply && !ch->error) {
        const bool woken = co_await ch->reply_event.wait_until(deadline);
        if (!woken) co_return tl::unexpected(name + " timed out");
    }
    if (ch->error) co_return tl::unexpected(name + " failed: " + *ch->error);
    auto reply = std::move(*ch->reply);
    ch->reply.reset();
    co_return reply;
}

std::uint64_t publish(Channel& ch, const std::string& queue,
                      const std::optional<std::string>& reply_to, amqp::ByteView body) {
    auto c = ch.connection.lock();
    if (!c || ch.error) return 0;
    amqp::Bytes frames;
    append_publish(frames, ch.id, queue, reply_to, body, c->m_frame_max);
    c->send(frames);
    if (!ch.confirming) return 0;
    const auto seq = ch.next_seq++;
    ch.unconfirmed.insert(seq);
    return seq;
}

awaitable<Expected<void>> wait_confirms(std::shared_ptr<Channel> ch, Clock::time_point deadline) {
    while (!ch->unconfirmed.empty() && !ch->error) {
        const bool woken = co_await ch->confirm_event.wait_until(deadline);
        if (!woken)
            co_return tl::unexpected(std::string("timed out waiting for the broker's confirm"));
    }
    if (ch->error) co_return tl::unexpected(*ch->error);
    if (ch->nacks > 0) co_return tl::unexpected(std::string("the broker refused a message (nack)"));
    co_return Expected<void>{};
}

void ack(Channel& ch, std::uint64_t delivery_tag) {
    if (auto c = ch.connection.lock(); c && !ch.error)
        c->send_method(ch.id, amqp::BasicAck{.delivery_tag = delivery_tag});
}

void reject(Channel& ch, std::uint64_t delivery_tag) {
    if (auto c = ch.connection.lock(); c && !ch.error)
        c->send_method(ch.id, amqp::BasicReject{.delivery_tag = delivery_tag, .requeue = false});
}

void close_channel(Channel& ch) {
    auto c = ch.connection.lock();
    if (!c || ch.error) return;
    ch.error = "channel closed";
    wake_all(ch);
    c->send_method(ch.id,
                   amqp::ChannelClose{.reply_code = amqp::reply::success, .reply_text = "closed"});
}

}  // namespace amqpstream
