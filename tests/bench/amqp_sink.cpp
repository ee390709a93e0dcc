// A stand-in AMQP 0.9.1 server for the proxy benchmarks: completes the handshake with the
// project's ServerHandshake, answers Channel.Open/Close and Connection.Close, and either
// discards everything else or echoes it back (publish, header and body frames return as
// they came, so a client can time round trips; a body frame of 16 bytes or more gets the
// time the sink read it, steady clock nanoseconds, in its bytes 8 to 15, so that a client on
// this machine can tell the two directions apart). No broker work at all, so what a
// benchmark measures through it is the path in front of it.
//   amqp_sink PORT discard|echo [THREADS]
// Prints connection and byte totals on SIGINT/SIGTERM, then exits.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "frame_stream.hpp"

namespace amqpprox::bench {
namespace {

enum class Mode { discard, echo };

std::atomic<std::uint64_t> g_connections{0};
std::atomic<std::uint64_t> g_bytes{0};
std::atomic<std::uint64_t> g_errors{0};

amqp::ServerHandshake::Config sink_handshake() {
    amqp::ServerHandshake::Config config;
    config.mechanisms = "PLAIN AMQPLAIN";
    // No heartbeats: the benchmark's clients do not send them.
    config.tune = {2047, amqp::kDefaultFrameMax, 0};
    return config;
}

// The frames that need an answer; false when the connection is to end after `out`.
// `read_ns`: when the read that brought the frame completed.
bool answer(const amqp::FrameView& frame, Mode mode, std::uint64_t read_ns, amqp::Bytes& out) {
    if (frame.type == amqp::FrameType::heartbeat) return true;
    if (frame.type == amqp::FrameType::method) {
        const auto id = amqp::peek_method_id(frame.payload);
        if (id && *id == amqp::ChannelOpen::id) {
            amqp::append_method_frame(out, frame.channel, amqp::ChannelOpenOk{});
            return true;
        }
        if (id && *id == amqp::ChannelClose::id) {
            amqp::append_method_frame(out, frame.channel, amqp::ChannelCloseOk{});
            return true;
        }
        if (id && *id == amqp::ConnectionClose::id) {
            amqp::append_method_frame(out, 0, amqp::ConnectionCloseOk{});
            return false;
        }
        if (id && *id == amqp::ConnectionCloseOk::id) return false;
    }
    if (mode != Mode::echo) return true;
    const auto at = out.size();
    amqp::encode_frame(frame.type, frame.channel, frame.payload, out);
    if (frame.type == amqp::FrameType::body && frame.payload.size() >= 16)
        std::memcpy(out.data() + at + amqp::kFrameHeaderSize + 8, &read_ns, sizeof read_ns);
    return true;
}

awaitable<void> serve(TcpSocket socket, Mode mode) {
    FrameStream stream(std::move(socket), amqp::FrameSplitter::Start::protocol_header);
    stream.socket.set_option(tcp::no_delay(true));
    ++g_connections;
    amqp::ServerHandshake handshake(sink_handshake());
    while (true) {
        const auto frame = co_await read_frame(stream);
        const auto step =
            frame.type == amqp::FrameType::protocol_header
                ? handshake.on_protocol_header(*amqp::parse_protocol_header(frame.payload).value())
                : handshake.on_frame(frame);
        co_await write_all(stream.socket, step.output);
        if (step.next == amqp::HandshakeStep::Next::close) co_return;
        if (step.next == amqp::HandshakeStep::Next::done) break;
    }
    // ServerHandshake stops at Open (the proxy gets Open-Ok from the broker): the sink is
    // the broker here.
    // Named, never a temporary inside a co_await expression: GCC 12 destroys those twice.
    const auto open_ok = method_frame(0, amqp::ConnectionOpenOk{});
    co_await write_all(stream.socket, open_ok);
    stream.splitter.set_frame_max(handshake.tuned().frame_max);

    amqp::Bytes out;
    bool open = true;
    while (open) {
        const auto n =
            co_await stream.socket.async_read_some(asio::buffer(stream.buffer), use_awaitable);
        const auto read_ns = steady_ns();
        g_bytes.fetch_add(n, std::memory_order_relaxed);
        stream.splitter.feed(amqp::ByteView(stream.buffer.data(), n));
        out.clear();
        while (open) {
            auto frame = stream.splitter.next();
            if (!frame) throw std::runtime_error(frame.error().message());
            if (!*frame) break;
            open = answer(**frame, mode, read_ns, out);
        }
        co_await write_all(stream.socket, out);
    }
    // After Close-Ok the client closes first, so TIME_WAIT stays on its side.
    boost::system::error_code ignored;
    co_await stream.socket.async_read_some(asio::buffer(stream.buffer),
                                           asio::redirect_error(use_awaitable, ignored));
}

void on_session_end(std::exception_ptr error) {
    if (!error) return;
    try {
        std::rethrow_exception(error);
    } catch (const boost::system::system_error&) {
        // A client that drops its connection (the idle and soak tests end that way too).
    } catch (const std::exception& e) {
        ++g_errors;
        std::fprintf(stderr, "amqp_sink: %s\n", e.what());
    }
}

awaitable<void> accept_loop(TcpAcceptor& acceptor, Mode mode) {
    while (true) {
        auto socket = co_await acceptor.async_accept(use_awaitable);
        asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), mode), on_session_end);
    }
}

}  // namespace
}  // namespace amqpprox::bench

int main(int argc, char** argv) {
    using namespace amqpprox::bench;
    if (argc < 3 || argc > 4) {
        std::fprintf(stderr, "usage: amqp_sink PORT discard|echo [THREADS]\n");
        return 2;
    }
    const auto port = static_cast<unsigned short>(std::atoi(argv[1]));
    const std::string mode_name = argv[2];
    if (mode_name != "discard" && mode_name != "echo") {
        std::fprintf(stderr, "amqp_sink: mode is discard or echo\n");
        return 2;
    }
    const Mode mode = mode_name == "echo" ? Mode::echo : Mode::discard;
    const int threads =
        argc == 4 ? std::atoi(argv[3]) : static_cast<int>(std::thread::hardware_concurrency());

    asio::io_context io(threads);
    TcpAcceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code, int) { io.stop(); });
    asio::co_spawn(io, accept_loop(acceptor, mode), on_session_end);

    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i)
        pool.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : pool)
        t.join();
    std::printf("amqp_sink: %llu connections, %llu bytes received, %llu protocol errors\n",
                static_cast<unsigned long long>(g_connections.load()),
                static_cast<unsigned long long>(g_bytes.load()),
                static_cast<unsigned long long>(g_errors.load()));
    return 0;
}
