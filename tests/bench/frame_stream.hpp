// A socket with its frame splitter, for the benchmark's sink and load client: read whole
// AMQP frames, write encoded ones. Built on the project's formats/amqp codec so that the
// benchmark speaks exactly what the proxy parses.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <boost/asio/redirect_error.hpp>

#include "formats/amqp/content.hpp"
#include "formats/amqp/frame.hpp"
#include "formats/amqp/handshake.hpp"
#include "formats/amqp/methods.hpp"
#include "proxy/asio.hpp"

namespace amqpprox::bench {

namespace asio = proxy::asio;
using proxy::awaitable;
using proxy::Executor;
using proxy::SteadyTimer;
using proxy::tcp;
using proxy::TcpAcceptor;
using proxy::TcpSocket;
using proxy::use_awaitable;

struct FrameStream {
    explicit FrameStream(TcpSocket s,
                         amqp::FrameSplitter::Start start = amqp::FrameSplitter::Start::frames)
        : socket(std::move(s)), splitter(start) {}

    TcpSocket socket;
    amqp::FrameSplitter splitter;
    std::vector<std::byte> buffer = std::vector<std::byte>(64 * 1024);
};

// The next complete frame; the view is valid until the next read. Socket errors (end of
// stream included) throw boost::system::system_error, malformed input std::runtime_error.
inline awaitable<amqp::FrameView> read_frame(FrameStream& stream) {
    while (true) {
        auto frame = stream.splitter.next();
        if (!frame) throw std::runtime_error(frame.error().message());
        if (*frame) co_return **frame;
        const auto n =
            co_await stream.socket.async_read_some(asio::buffer(stream.buffer), use_awaitable);
        stream.splitter.feed(amqp::ByteView(stream.buffer.data(), n));
    }
}

inline awaitable<void> write_all(TcpSocket& socket, const amqp::Bytes& bytes) {
    if (!bytes.empty()) co_await asio::async_write(socket, asio::buffer(bytes), use_awaitable);
}

inline amqp::Bytes method_frame(std::uint16_t channel, const amqp::Method& method) {
    amqp::Bytes out;
    amqp::append_method_frame(out, channel, method);
    return out;
}

// True when `frame` is the method M.
template <typename M>
bool is_method(const amqp::FrameView& frame) {
    if (frame.type != amqp::FrameType::method) return false;
    const auto id = amqp::peek_method_id(frame.payload);
    return id && *id == M::id;
}

// Appends one message as a publisher sends it: Basic.Publish, a content header and body
// frames cut to frame_max.
inline void append_publish(amqp::Bytes& out, std::uint16_t channel, const std::string& routing_key,
                           amqp::ByteView body, std::uint32_t frame_max) {
    amqp::append_method_frame(out, channel,
                              amqp::BasicPublish{.exchange = "", .routing_key = routing_key});
    amqp::Bytes header;
    (void)amqp::encode_content_header(amqp::ContentHeader{.body_size = body.size()}, header);
    amqp::encode_frame(amqp::FrameType::header, channel, header, out);
    const std::size_t max_payload = frame_max - amqp::kFrameOverhead;
    for (std::size_t at = 0; at < body.size(); at += max_payload) {
        amqp::encode_frame(amqp::FrameType::body, channel,
                           body.subspan(at, std::min(max_payload, body.size() - at)), out);
    }
}

inline std::uint64_t steady_ns() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

}  // namespace amqpprox::bench
