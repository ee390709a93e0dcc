#include "stream.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "wire.hpp"

namespace amqpstream {

namespace {

constexpr std::chrono::milliseconds kCallTimeout{10000};

// Opens a channel that consumes a fresh server-named (or the named) stream queue with the
// prefetch limit: the queue's name.
awaitable<Expected<std::pair<std::shared_ptr<Channel>, std::string>>> open_inbound(
    std::shared_ptr<Connection> c, std::string name, std::uint16_t prefetch) {
    auto ch = co_await open_channel(c);
    if (!ch) co_return tl::unexpected(ch.error());
    const amqp::Method qos_method = amqp::BasicQos{.prefetch_count = prefetch};
    auto qos = co_await call(*ch, qos_method, kCallTimeout);
    if (!qos) co_return tl::unexpected(qos.error());
    const amqp::Method declare = stream_queue_declare(name);
    auto declared = co_await call(*ch, declare, kCallTimeout);
    if (!declared) co_return tl::unexpected(declared.error());
    const auto* ok = std::get_if<amqp::QueueDeclareOk>(&*declared);
    if (!ok) co_return tl::unexpected(std::string("unexpected reply to queue.declare"));
    const auto queue = ok->queue;
    const amqp::Method consume = stream_consume(queue);
    auto consumed = co_await call(*ch, consume, kCallTimeout);
    if (!consumed) co_return tl::unexpected(consumed.error());
    co_return std::pair{*ch, queue};
}

awaitable<Expected<std::shared_ptr<Channel>>> open_outbound(std::shared_ptr<Connection> c) {
    auto ch = co_await open_channel(c);
    if (!ch) co_return tl::unexpected(ch.error());
    const amqp::Method select = amqp::ConfirmSelect{};
    auto selected = co_await call(*ch, select, kCallTimeout);
    if (!selected) co_return tl::unexpected(selected.error());
    (*ch)->confirming = true;
    co_return *ch;
}

// Publishes the empty handshake message with reply-to and waits for its confirm; an
// unroutable one (no such queue) is an error naming `whom`.
awaitable<Expected<void>> send_handshake(std::shared_ptr<Channel> out, std::string to,
                                         std::string reply_to, std::string whom,
                                         std::chrono::milliseconds timeout) {
    const auto returns = out->returns;
    publish(*out, to, reply_to, {});
    auto confirmed = co_await wait_confirms(out, deadline_after(timeout));
    if (!confirmed) co_return confirmed;
    if (out->returns != returns)
        co_return tl::unexpected(whom + " (the broker returned the request: " + out->last_return +
                                 ")");
    co_return Expected<void>{};
}

// The next delivery on `ch`, or an error when it ends or `deadline` passes.
awaitable<Expected<Delivery>> next_delivery(std::shared_ptr<Channel> ch,
                                            Clock::time_point deadline) {
    while (ch->deliveries.empty() && !ch->error) {
        const bool woken = co_await ch->delivery_event.wait_until(deadline);
        if (!woken) co_return tl::unexpected(std::string("timed out"));
    }
    if (ch->deliveries.empty()) co_return tl::unexpected(*ch->error);
    auto d = std::move(ch->deliveries.front());
    ch->deliveries.pop_front();
    co_return d;
}

}  // namespace

awaitable<Expected<std::size_t>> read(std::shared_ptr<Stream> s, std::span<std::byte> buffer,
                                      std::chrono::milliseconds timeout) {
    const auto deadline = deadline_after(timeout);
    while (s->m_read == s->m_current.size()) {
        if (s->m_eof) co_return 0;
        if (s->m_closed) co_return tl::unexpected(std::string("stream closed"));
        auto& in = s->m_in;
        if (in->deliveries.empty()) {
            if (in->error) co_return tl::unexpected("stream broken: " + *in->error);
            if (s->m_peer_gone) co_return tl::unexpected(*s->m_peer_gone);
            const bool woken = co_await in->delivery_event.wait_until(deadline);
            if (!woken) co_return tl::unexpected(std::string("read timed out"));
            continue;
        }
        auto d = std::move(in->deliveries.front());
        in->deliveries.pop_front();
        // Acked when taken, not when it arrived: the prefetch limit then holds back a
        // writer whose reader does not keep up.
        ack(*in, d.delivery_tag);
        if (d.body.empty()) {
            s->m_eof = true;
            co_return 0;
        }
        s->m_current = std::move(d.body);
        s->m_read = 0;
    }
    const auto n = std::min(buffer.size(), s->m_current.size() - s->m_read);
    std::memcpy(buffer.data(), s->m_current.data() + s->m_read, n);
    s->m_read += n;
    co_return n;
}

awaitable<Expected<void>> write(std::shared_ptr<Stream> s, amqp::ByteView data) {
    if (s->m_closed) co_return tl::unexpected(std::string("stream closed"));
    if (s->m_shut) co_return tl::unexpected(std::string("stream shut down for writing"));
    if (s->m_writing) co_return tl::unexpected(std::string("another write is in progress"));
    // An empty message would be the end of stream: a zero-byte write sends nothing.
    if (data.empty()) co_return Expected<void>{};
    s->m_writing = true;
    auto& out = s->m_out;
    const auto returns = out->returns;
    for (std::size_t at = 0; at < data.size(); at += s->m_options.max_message) {
        publish(*out, s->m_remote_queue, std::nullopt,
                data.subspan(at, std::min(s->m_options.max_message, data.size() - at)));
    }
    auto confirmed = co_await wait_confirms(out, deadline_after(s->m_options.write_timeout));
    s->m_writing = false;
    if (!confirmed) co_return tl::unexpected("write failed: " + confirmed.error());
    if (out->returns != returns)
        co_return tl::unexpected("write failed: the peer's queue is gone, it closed the stream (" +
                                 out->last_return + ")");
    co_return Expected<void>{};
}

awaitable<Expected<void>> shutdown(std::shared_ptr<Stream> s) {
    if (s->m_closed) co_return tl::unexpected(std::string("stream closed"));
    if (s->m_shut) co_return Expected<void>{};
    s->m_shut = true;
    publish(*s->m_out, s->m_remote_queue, std::nullopt, {});
    // A return here is no loss: the peer has already closed (the Go library does the same).
    auto confirmed = co_await wait_confirms(s->m_out, deadline_after(s->m_options.write_timeout));
    if (!confirmed) co_return tl::unexpected("shutdown failed: " + confirmed.error());
    co_return Expected<void>{};
}

void Stream::close_now() {
    if (m_closed) return;
    if (!m_shut) {
        m_shut = true;
        publish(*m_out, m_remote_queue, std::nullopt, {});
    }
    m_closed = true;
    // Closing the consuming channel cancels the consumer, and the broker deletes the
    // auto-delete queue; closing the other after the end-of-stream publish keeps its order.
    close_channel(*m_in);
    close_channel(*m_out);
}

void close(std::shared_ptr<Stream> s) {
    s->close_now();
}

awaitable<void> watch_peer(std::shared_ptr<Stream> s) {
    const auto interval = s->m_options.peer_check;
    if (interval.count() <= 0) co_return;
    SteadyTimer timer(s->m_connection->executor());
    const amqp::Method probe = amqp::QueueDeclare{.queue = s->m_remote_queue, .passive = true};
    while (!s->m_closed && !s->m_eof && !s->m_connection->error()) {
        timer.expires_after(interval);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
        if (s->m_closed || s->m_eof) break;
        auto ch = co_await open_channel(s->m_connection);
        if (!ch) break;
        auto declared = co_await call(*ch, probe, kCallTimeout);
        // 405 RESOURCE_LOCKED: the queue lives, exclusive to the peer's connection.
        if (declared) close_channel(**ch);
        if (declared || (*ch)->close_code != amqp::reply::not_found) continue;
        // Its end of stream may still be on its way to us: give it a moment.
        timer.expires_after(std::chrono::seconds(1));
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
        if (s->m_eof || s->m_closed) break;
        s->m_peer_gone = "the peer is gone: its queue " + s->m_remote_queue + " no longer exists";
        s->m_in->delivery_event.notify();
        break;
    }
}

awaitable<Expected<std::shared_ptr<Stream>>> dial(std::shared_ptr<Connection> c,
                                                  std::string control_queue,
                                                  StreamOptions options) {
    const std::string server_named;
    auto inbound = co_await open_inbound(c, server_named, options.prefetch);
    if (!inbound) co_return tl::unexpected("dial: " + inbound.error());
    auto [in, queue] = *inbound;
    auto out = co_await open_outbound(c);
    if (!out) {
        close_channel(*in);
        co_return tl::unexpected("dial: " + out.error());
    }
    auto fail = [&](const std::string& why) -> Expected<std::shared_ptr<Stream>> {
        close_channel(*in);
        close_channel(**out);
        return tl::unexpected("dial \"" + control_queue + "\": " + why);
    };
    const auto nobody = "no server is listening on control queue \"" + control_queue + "\"";
    auto sent =
        co_await send_handshake(*out, control_queue, queue, nobody, options.handshake_timeout);
    if (!sent) co_return fail(sent.error());
    auto reply = co_await next_delivery(in, deadline_after(options.handshake_timeout));
    if (!reply) co_return fail("no handshake reply: " + reply.error());
    auto server_queue = check_handshake_message(reply->body.size(), reply->properties.reply_to);
    if (!server_queue) {
        reject(*in, reply->delivery_tag);
        co_return fail("bad handshake reply: " + server_queue.error());
    }
    ack(*in, reply->delivery_tag);
    auto stream = std::make_shared<Stream>(c, in, *out, queue, *server_queue, options);
    asio::co_spawn(c->executor(), watch_peer(stream), asio::detached);
    co_return stream;
}

awaitable<Expected<std::shared_ptr<Listener>>> listen(std::shared_ptr<Connection> c,
                                                      std::string control_queue,
                                                      StreamOptions options) {
    auto control = co_await open_inbound(c, control_queue, options.prefetch);
    if (!control)
        co_return tl::unexpected("listen on \"" + control_queue + "\": " + control.error());
    co_return std::make_shared<Listener>(c, control->first, control_queue, options);
}

awaitable<Expected<std::shared_ptr<Stream>>> accept(std::shared_ptr<Listener> l) {
    for (;;) {
        auto request = co_await next_delivery(l->m_control, Clock::time_point::max());
        if (!request) co_return tl::unexpected("accept: " + request.error());
        auto client_queue =
            check_handshake_message(request->body.size(), request->properties.reply_to);
        if (!client_queue) {
            reject(*l->m_control, request->delivery_tag);
            std::fprintf(stderr, "amqp-stream: rejected a connection request on \"%s\": %s\n",
                         l->m_queue.c_str(), client_queue.error().c_str());
            continue;
        }
        ack(*l->m_control, request->delivery_tag);
        const std::string server_named;
        auto inbound = co_await open_inbound(l->m_connection, server_named, l->m_options.prefetch);
        if (!inbound) co_return tl::unexpected("accept: " + inbound.error());
        auto [in, queue] = *inbound;
        auto out = co_await open_outbound(l->m_connection);
        if (!out) {
            close_channel(*in);
            co_return tl::unexpected("accept: " + out.error());
        }
        const std::string gone = "the client is gone";
        auto sent = co_await send_handshake(*out, *client_queue, queue, gone,
                                            l->m_options.handshake_timeout);
        if (!sent) {
            close_channel(*in);
            close_channel(**out);
            if (l->m_connection->error()) co_return tl::unexpected("accept: " + sent.error());
            std::fprintf(stderr, "amqp-stream: skipped a connection request on \"%s\": %s\n",
                         l->m_queue.c_str(), sent.error().c_str());
            continue;
        }
        auto stream =
            std::make_shared<Stream>(l->m_connection, in, *out, queue, *client_queue, l->m_options);
        asio::co_spawn(l->m_connection->executor(), watch_peer(stream), asio::detached);
        co_return stream;
    }
}

void close(std::shared_ptr<Listener> l) {
    close_channel(*l->m_control);
}

}  // namespace amqpstream
