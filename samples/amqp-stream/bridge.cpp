#include "bridge.hpp"

#include <array>

namespace amqpstream {

namespace {

struct BridgeState {
    std::shared_ptr<Stream> stream;
    std::shared_ptr<TcpSocket> socket;
    BridgeTotals totals;
    int running = 2;
    Event done;

    void failed(const std::string& why) {
        if (totals.error.empty()) totals.error = why;
        // Either side's failure ends both: the other direction's pending read wakes up.
        close(stream);
        boost::system::error_code ignored;
        socket->close(ignored);
    }
};

awaitable<void> tcp_to_stream(std::shared_ptr<BridgeState> b) {
    std::array<std::byte, 65536> buffer;
    for (;;) {
        boost::system::error_code ec;
        const auto n = co_await b->socket->async_read_some(asio::buffer(buffer),
                                                           asio::redirect_error(use_awaitable, ec));
        if (ec == asio::error::eof) {
            auto shut = co_await shutdown(b->stream);
            if (!shut) b->failed(shut.error());
            break;
        }
        if (ec) {
            b->failed("TCP read: " + ec.message());
            break;
        }
        const amqp::ByteView data(buffer.data(), n);
        auto written = co_await write(b->stream, data);
        if (!written) {
            b->failed(written.error());
            break;
        }
        b->totals.to_stream += n;
    }
    --b->running;
    b->done.notify();
}

awaitable<void> stream_to_tcp(std::shared_ptr<BridgeState> b) {
    std::array<std::byte, 65536> buffer;
    const std::span<std::byte> whole(buffer);
    for (;;) {
        auto n = co_await read(b->stream, whole, std::chrono::milliseconds(0));
        if (!n) {
            b->failed(n.error());
            break;
        }
        boost::system::error_code ec;
        if (*n == 0) {
            b->socket->shutdown(TcpSocket::shutdown_send, ec);
            break;
        }
        co_await asio::async_write(*b->socket, asio::buffer(buffer.data(), *n),
                                   asio::redirect_error(use_awaitable, ec));
        if (ec) {
            b->failed("TCP write: " + ec.message());
            break;
        }
        b->totals.from_stream += *n;
    }
    --b->running;
    b->done.notify();
}

}  // namespace

awaitable<BridgeTotals> bridge(std::shared_ptr<Stream> stream, std::shared_ptr<TcpSocket> socket) {
    auto b = std::make_shared<BridgeState>();
    b->stream = stream;
    b->socket = socket;
    auto executor = co_await asio::this_coro::executor;
    asio::co_spawn(executor, tcp_to_stream(b), asio::detached);
    asio::co_spawn(executor, stream_to_tcp(b), asio::detached);
    while (b->running > 0)
        co_await b->done.wait();
    close(stream);
    boost::system::error_code ignored;
    socket->close(ignored);
    co_return b->totals;
}

}  // namespace amqpstream
