// The load client of the proxy benchmarks and the soak test: many AMQP connections from
// one asio process, speaking through the project's codec. One mode per measurement:
//   amqp_blast throughput HOST PORT CONNS SECONDS BODY_BYTES
//       publish pre-encoded Basic.Publish+header+body frames flat out on CONNS connections
//       for SECONDS, then Connection.Close; the clock stops at the last Close-Ok, so every
//       byte has passed the path. Prints: messages body_bytes seconds MB/s msg/s
//   amqp_blast connect HOST PORT CONCURRENCY SECONDS
//       CONCURRENCY connectors in a loop: TCP connect, handshake to Open-Ok, Close,
//       Close-Ok, close. Prints: connections seconds conn/s failures
//   amqp_blast latency HOST PORT CONNS RATE SECONDS BODY_BYTES
//       against an echo server: each connection sends RATE messages/s, each carrying its
//       send time, and times the echoed body; with amqp_sink (which writes the time it read
//       the body into it) also each direction alone. The first second is warm-up.
//       Prints: samples p50_us p99_us p999_us max_us (round trips), then
//       out_p50_us out_p99_us back_p50_us back_p99_us (client to sink, sink to client)
//   amqp_blast idle HOST PORT CONNS
//       opens CONNS connections (handshake and a channel), prints "ready CONNS", holds them
//       until SIGUSR1/SIGTERM, then closes each with Connection.Close.
//   amqp_blast soak HOST PORT CONNS SECONDS RATE BODY_BYTES
//       against RabbitMQ: each connection declares its own exclusive queue, consumes it
//       (no-ack) and publishes RATE messages/s to it for SECONDS; then closes cleanly.
//       Prints progress every 10 s and a final line:
//       opened lost closed_clean published delivered
// Connections open at most 64 at a time. AMQP_BLAST_THREADS sets the network threads (1).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "frame_stream.hpp"

namespace amqpprox::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint32_t kFrameMax = amqp::kDefaultFrameMax;

struct Connection {
    explicit Connection(Executor executor) : stream(TcpSocket(executor)) {}
    FrameStream stream;
    std::string queue;
    bool closing = false;
};
using ConnectionPtr = std::shared_ptr<Connection>;

amqp::ClientHandshake::Config client_handshake() {
    amqp::ConnectionStartOk start_ok;
    start_ok.mechanism = "PLAIN";
    start_ok.response = std::string("\0guest\0guest", 12);
    start_ok.locale = "en_US";
    // No heartbeats: a benchmark connection is never idle long enough to need them, and the
    // idle test must not measure heartbeat traffic.
    return {start_ok, {2047, kFrameMax, 0}, amqp::ConnectionOpen{.virtual_host = "/"}};
}

// TCP connect and the client's half of the handshake, up to Open-Ok.
awaitable<void> open_connection(ConnectionPtr c, tcp::endpoint endpoint) {
    co_await c->stream.socket.async_connect(endpoint, use_awaitable);
    c->stream.socket.set_option(tcp::no_delay(true));
    amqp::ClientHandshake handshake(client_handshake());
    // Bytes are named before a co_await, never temporaries inside one: GCC 12 destroys
    // those twice (free(): invalid pointer).
    const auto header = handshake.start();
    co_await write_all(c->stream.socket, header);
    while (true) {
        const auto frame = co_await read_frame(c->stream);
        const auto step = handshake.on_frame(frame);
        co_await write_all(c->stream.socket, step.output);
        if (step.next == amqp::HandshakeStep::Next::close)
            throw std::runtime_error("handshake refused: " + step.close_text);
        if (step.next == amqp::HandshakeStep::Next::done) break;
    }
    c->stream.splitter.set_frame_max(kFrameMax);
}

// Sends a method on channel 1 and waits for the reply R (skipping other frames).
template <typename R>
awaitable<amqp::Method> call(ConnectionPtr c, amqp::Method method) {
    const auto request = method_frame(1, method);
    co_await write_all(c->stream.socket, request);
    while (true) {
        const auto frame = co_await read_frame(c->stream);
        if (is_method<R>(frame)) {
            auto decoded = amqp::decode_method(frame.payload);
            if (!decoded) throw std::runtime_error(decoded.error().message());
            co_return *decoded;
        }
        if (is_method<amqp::ConnectionClose>(frame) || is_method<amqp::ChannelClose>(frame))
            throw std::runtime_error("closed by the server");
    }
}

awaitable<void> open_channel(ConnectionPtr c) {
    amqp::Method open = amqp::ChannelOpen{};
    co_await call<amqp::ChannelOpenOk>(c, std::move(open));
}

// Connection.Close, then frames are read (and dropped) until Close-Ok; the client closes
// the socket first.
awaitable<void> close_connection(ConnectionPtr c) {
    c->closing = true;
    const auto close = amqp::connection_close_frame(amqp::reply::success, "OK");
    co_await write_all(c->stream.socket, close);
    while (true) {
        const auto frame = co_await read_frame(c->stream);
        if (is_method<amqp::ConnectionCloseOk>(frame)) break;
    }
    boost::system::error_code ignored;
    c->stream.socket.close(ignored);
}

void report_error(std::exception_ptr error) {
    if (!error) return;
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "amqp_blast: %s\n", e.what());
    }
}

awaitable<void> open_with_channel(ConnectionPtr c, tcp::endpoint endpoint, bool with_channel) {
    co_await open_connection(c, endpoint);
    if (with_channel) co_await open_channel(c);
}

// Runs the io_context on AMQP_BLAST_THREADS threads until it has no work left.
void run(asio::io_context& io) {
    const char* env = std::getenv("AMQP_BLAST_THREADS");
    const int threads = env ? std::max(1, std::atoi(env)) : 1;
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i)
        pool.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : pool)
        t.join();
    io.restart();
}

// Opens `count` connections, at most 64 handshakes at a time; throws if any fails.
std::vector<ConnectionPtr> open_all(asio::io_context& io, tcp::endpoint endpoint, int count,
                                    bool with_channel) {
    std::vector<ConnectionPtr> all;
    std::atomic<int> failures{0};
    for (int done = 0; done < count;) {
        const int batch = std::min(64, count - done);
        for (int i = 0; i < batch; ++i) {
            auto c = std::make_shared<Connection>(io.get_executor());
            all.push_back(c);
            asio::co_spawn(io, open_with_channel(c, endpoint, with_channel),
                           [&failures](std::exception_ptr error) {
                               if (error) ++failures;
                               report_error(error);
                           });
        }
        run(io);
        done += batch;
    }
    if (failures > 0) {
        std::fprintf(stderr, "amqp_blast: %d of %d connections failed to open\n", failures.load(),
                     count);
        std::exit(1);
    }
    return all;
}

tcp::endpoint endpoint_of(const char* host, const char* port) {
    return {asio::ip::make_address(host), static_cast<unsigned short>(std::atoi(port))};
}

// ---------------------------------------------------------------- throughput

struct Totals {
    std::atomic<std::uint64_t> messages{0};
    std::atomic<std::uint64_t> failures{0};
};

awaitable<void> blast(ConnectionPtr c, std::shared_ptr<const amqp::Bytes> batch,
                      std::uint64_t per_batch, Clock::time_point deadline, Totals* totals) {
    while (Clock::now() < deadline) {
        co_await asio::async_write(c->stream.socket, asio::buffer(*batch), use_awaitable);
        totals->messages += per_batch;
    }
    co_await close_connection(c);
}

int throughput(char** argv) {
    asio::io_context io;
    const auto endpoint = endpoint_of(argv[0], argv[1]);
    const int conns = std::atoi(argv[2]);
    const double seconds = std::atof(argv[3]);
    const auto body_size = static_cast<std::size_t>(std::atol(argv[4]));
    const auto all = open_all(io, endpoint, conns, true);

    // Small messages go out many to a write, as a busy publisher's socket sees them.
    const amqp::Bytes body(body_size, std::byte{'m'});
    auto batch = std::make_shared<amqp::Bytes>();
    std::uint64_t per_batch = 0;
    do {
        append_publish(*batch, 1, "bench", body, kFrameMax);
        ++per_batch;
    } while (batch->size() < 256 * 1024);

    Totals totals;
    const auto start = Clock::now();
    const auto deadline =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (const auto& c : all) {
        asio::co_spawn(io, blast(c, batch, per_batch, deadline, &totals),
                       [&totals](std::exception_ptr error) {
                           if (error) ++totals.failures;
                           report_error(error);
                       });
    }
    run(io);
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const double bytes = static_cast<double>(totals.messages) * static_cast<double>(body_size);
    std::printf("%llu %.0f %.3f %.1f %.0f\n",
                static_cast<unsigned long long>(totals.messages.load()), bytes, elapsed,
                bytes / elapsed / 1e6, static_cast<double>(totals.messages) / elapsed);
    return totals.failures == 0 ? 0 : 1;
}

// ---------------------------------------------------------------- connect

awaitable<void> connect_loop(tcp::endpoint endpoint, Clock::time_point deadline, Totals* totals) {
    const auto executor = co_await asio::this_coro::executor;
    while (Clock::now() < deadline) {
        auto c = std::make_shared<Connection>(executor);
        bool failed = false;
        try {
            co_await open_connection(c, endpoint);
            co_await close_connection(c);
        } catch (const std::exception&) {
            failed = true;
        }
        if (failed) {
            ++totals->failures;
        } else {
            ++totals->messages;  // here: connections completed
        }
    }
}

int connect(char** argv) {
    asio::io_context io;
    const auto endpoint = endpoint_of(argv[0], argv[1]);
    const int concurrency = std::atoi(argv[2]);
    const double seconds = std::atof(argv[3]);
    Totals totals;
    const auto start = Clock::now();
    const auto deadline =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (int i = 0; i < concurrency; ++i)
        asio::co_spawn(io, connect_loop(endpoint, deadline, &totals), report_error);
    run(io);
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("%llu %.3f %.0f %llu\n", static_cast<unsigned long long>(totals.messages.load()),
                elapsed, static_cast<double>(totals.messages) / elapsed,
                static_cast<unsigned long long>(totals.failures.load()));
    return 0;
}

// ---------------------------------------------------------------- latency

struct Samples {
    std::mutex mutex;
    std::vector<std::uint64_t> ns;    // round trips
    std::vector<std::uint64_t> out;   // send to the sink's read
    std::vector<std::uint64_t> back;  // the sink's read to the echo's arrival
};

awaitable<void> paced_sender(ConnectionPtr c, double rate, std::size_t body_size,
                             Clock::time_point deadline) {
    SteadyTimer timer(c->stream.socket.get_executor());
    const auto period =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate));
    auto next = Clock::now();
    // Bytes 0-7: the send time; 8-15: where the sink writes the time it read the body.
    amqp::Bytes body(std::max<std::size_t>(body_size, 16), std::byte{'m'});
    amqp::Bytes message;
    while (next < deadline) {
        timer.expires_at(next);
        co_await timer.async_wait(use_awaitable);
        const auto sent = steady_ns();
        std::memcpy(body.data(), &sent, sizeof sent);
        message.clear();
        append_publish(message, 1, "bench", body, kFrameMax);
        co_await write_all(c->stream.socket, message);
        next += period;
    }
    const auto close = amqp::connection_close_frame(amqp::reply::success, "OK");
    co_await write_all(c->stream.socket, close);
}

awaitable<void> echo_reader(ConnectionPtr c, Clock::time_point warm, Samples* samples) {
    std::vector<std::uint64_t> mine, out, back;
    while (true) {
        const auto frame = co_await read_frame(c->stream);
        if (is_method<amqp::ConnectionCloseOk>(frame)) break;
        // The first body frame of a message starts with its send time.
        if (frame.type != amqp::FrameType::body || frame.payload.size() < 16) continue;
        const auto now = steady_ns();
        if (Clock::now() < warm) continue;
        std::uint64_t sent = 0;
        std::uint64_t read = 0;
        std::memcpy(&sent, frame.payload.data(), sizeof sent);
        std::memcpy(&read, frame.payload.data() + 8, sizeof read);
        mine.push_back(now - sent);
        // An echo server that does not stamp leaves the body's filler there.
        if (std::all_of(frame.payload.begin() + 8, frame.payload.begin() + 16,
                        [](std::byte b) { return b == std::byte{'m'}; }))
            continue;
        out.push_back(read - sent);
        back.push_back(now - read);
    }
    boost::system::error_code ignored;
    c->stream.socket.close(ignored);
    std::lock_guard lock(samples->mutex);
    samples->ns.insert(samples->ns.end(), mine.begin(), mine.end());
    samples->out.insert(samples->out.end(), out.begin(), out.end());
    samples->back.insert(samples->back.end(), back.begin(), back.end());
}

int latency(char** argv) {
    asio::io_context io;
    const auto endpoint = endpoint_of(argv[0], argv[1]);
    const int conns = std::atoi(argv[2]);
    const double rate = std::atof(argv[3]);
    const double seconds = std::atof(argv[4]);
    const auto body_size = static_cast<std::size_t>(std::atol(argv[5]));
    const auto all = open_all(io, endpoint, conns, true);
    Samples samples;
    const auto start = Clock::now();
    const auto warm = start + std::chrono::seconds(1);
    const auto deadline =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (const auto& c : all) {
        asio::co_spawn(io, paced_sender(c, rate, body_size, deadline), report_error);
        asio::co_spawn(io, echo_reader(c, warm, &samples), report_error);
    }
    run(io);
    auto& ns = samples.ns;
    if (ns.empty()) {
        std::fprintf(stderr, "amqp_blast: no samples\n");
        return 1;
    }
    // Microseconds at quantile q of `v` (sorted); nan when there are no samples.
    const auto at = [](const std::vector<std::uint64_t>& v, double q) {
        if (v.empty()) return std::nan("");
        const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
        return static_cast<double>(v[i]) / 1e3;
    };
    for (auto* v : {&ns, &samples.out, &samples.back})
        std::sort(v->begin(), v->end());
    std::printf("%zu %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f\n", ns.size(), at(ns, 0.5),
                at(ns, 0.99), at(ns, 0.999), static_cast<double>(ns.back()) / 1e3,
                at(samples.out, 0.5), at(samples.out, 0.99), at(samples.back, 0.5),
                at(samples.back, 0.99));
    return 0;
}

// ---------------------------------------------------------------- idle

awaitable<void> hold(ConnectionPtr c, std::atomic<int>* lost) {
    try {
        while (true) {
            const auto frame = co_await read_frame(c->stream);
            if (is_method<amqp::ConnectionCloseOk>(frame)) break;
        }
    } catch (const std::exception&) {
        if (!c->closing) ++*lost;
    }
    boost::system::error_code ignored;
    c->stream.socket.close(ignored);
}

awaitable<void> send_close(ConnectionPtr c) {
    c->closing = true;
    const auto close = amqp::connection_close_frame(amqp::reply::success, "OK");
    co_await write_all(c->stream.socket, close);
}

int idle(char** argv) {
    asio::io_context io;
    const auto endpoint = endpoint_of(argv[0], argv[1]);
    const int conns = std::atoi(argv[2]);
    const auto all = open_all(io, endpoint, conns, true);
    std::atomic<int> lost{0};
    for (const auto& c : all)
        asio::co_spawn(io, hold(c, &lost), report_error);
    asio::signal_set signals(io, SIGUSR1, SIGTERM, SIGINT);
    signals.async_wait([&](boost::system::error_code, int) {
        for (const auto& c : all)
            asio::co_spawn(io, send_close(c), report_error);
    });
    std::printf("ready %d\n", conns);
    std::fflush(stdout);
    run(io);
    std::printf("closed %d lost %d\n", conns, lost.load());
    return lost == 0 ? 0 : 1;
}

// ---------------------------------------------------------------- soak

struct SoakTotals {
    std::atomic<std::uint64_t> published{0}, delivered{0};
    std::atomic<int> lost{0}, closed_clean{0};
};

awaitable<void> soak_publisher(ConnectionPtr c, double rate, std::size_t body_size,
                               std::shared_ptr<SteadyTimer> stop, SoakTotals* totals) {
    SteadyTimer timer(c->stream.socket.get_executor());
    const auto period =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate));
    // Spread the connections' sends over the period rather than all at once.
    auto next = Clock::now() + period * (std::rand() % 1000) / 1000;
    const amqp::Bytes body(body_size, std::byte{'s'});
    amqp::Bytes message;
    append_publish(message, 1, c->queue, body, kFrameMax);
    try {
        while (stop->expiry() > Clock::now()) {
            timer.expires_at(next);
            co_await timer.async_wait(use_awaitable);
            if (c->closing || stop->expiry() <= Clock::now()) break;
            co_await write_all(c->stream.socket, message);
            ++totals->published;
            next += period;
        }
        c->closing = true;
        const auto close = amqp::connection_close_frame(amqp::reply::success, "OK");
        co_await write_all(c->stream.socket, close);
    } catch (const std::exception&) {
        // The reader counts the loss.
    }
}

awaitable<void> soak_reader(ConnectionPtr c, SoakTotals* totals) {
    try {
        while (true) {
            const auto frame = co_await read_frame(c->stream);
            if (is_method<amqp::BasicDeliver>(frame)) {
                ++totals->delivered;
            } else if (is_method<amqp::ConnectionCloseOk>(frame)) {
                ++totals->closed_clean;
                break;
            } else if (is_method<amqp::ConnectionClose>(frame) ||
                       is_method<amqp::ChannelClose>(frame)) {
                throw std::runtime_error("closed by the server");
            }
        }
    } catch (const std::exception& e) {
        if (!c->closing) {
            ++totals->lost;
            std::fprintf(stderr, "amqp_blast: connection lost: %s\n", e.what());
        }
        c->closing = true;
    }
    boost::system::error_code ignored;
    c->stream.socket.close(ignored);
}

awaitable<void> soak_setup(ConnectionPtr c) {
    amqp::Method declare = amqp::QueueDeclare{.queue = "", .exclusive = true, .auto_delete = true};
    const auto ok = co_await call<amqp::QueueDeclareOk>(c, std::move(declare));
    c->queue = std::get<amqp::QueueDeclareOk>(ok).queue;
    amqp::Method consume = amqp::BasicConsume{.queue = c->queue, .no_ack = true};
    co_await call<amqp::BasicConsumeOk>(c, std::move(consume));
}

// Progress every 10 s until the stop time; then lets go of the signals so the run can end.
awaitable<void> soak_progress(std::shared_ptr<SteadyTimer> stop, SoakTotals* totals, int conns,
                              asio::signal_set* signals) {
    const auto executor = co_await asio::this_coro::executor;
    SteadyTimer tick(executor);
    const auto start = Clock::now();
    while (stop->expiry() > Clock::now()) {
        tick.expires_after(std::chrono::seconds(10));
        co_await tick.async_wait(use_awaitable);
        std::fprintf(stderr, "soak t=%.0fs open=%d lost=%d published=%llu delivered=%llu\n",
                     std::chrono::duration<double>(Clock::now() - start).count(),
                     conns - totals->lost.load(), totals->lost.load(),
                     static_cast<unsigned long long>(totals->published.load()),
                     static_cast<unsigned long long>(totals->delivered.load()));
    }
    signals->cancel();
}

int soak(char** argv) {
    asio::io_context io;
    const auto endpoint = endpoint_of(argv[0], argv[1]);
    const int conns = std::atoi(argv[2]);
    const double seconds = std::atof(argv[3]);
    const double rate = std::atof(argv[4]);
    const auto body_size = static_cast<std::size_t>(std::atol(argv[5]));
    const auto all = open_all(io, endpoint, conns, true);
    std::atomic<int> failures{0};
    for (const auto& c : all) {
        asio::co_spawn(io, soak_setup(c), [&failures](std::exception_ptr error) {
            if (error) ++failures;
            report_error(error);
        });
    }
    run(io);
    if (failures > 0) {
        std::fprintf(stderr, "amqp_blast: %d queue/consumer setups failed\n", failures.load());
        return 1;
    }
    std::fprintf(stderr, "soak: %d connections open, each with its queue and consumer\n", conns);
    SoakTotals totals;
    auto stop = std::make_shared<SteadyTimer>(io);
    stop->expires_after(
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)));
    stop->async_wait([](boost::system::error_code) {});
    asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([stop](boost::system::error_code ec, int) {
        if (!ec) stop->expires_at(Clock::now());
    });
    for (const auto& c : all) {
        asio::co_spawn(io, soak_publisher(c, rate, body_size, stop, &totals), report_error);
        asio::co_spawn(io, soak_reader(c, &totals), report_error);
    }
    asio::co_spawn(io, soak_progress(stop, &totals, conns, &signals), report_error);
    run(io);
    std::printf("%d %d %d %llu %llu\n", conns, totals.lost.load(), totals.closed_clean.load(),
                static_cast<unsigned long long>(totals.published.load()),
                static_cast<unsigned long long>(totals.delivered.load()));
    return totals.lost == 0 && totals.closed_clean == conns ? 0 : 1;
}

}  // namespace
}  // namespace amqpprox::bench

int main(int argc, char** argv) {
    using namespace amqpprox::bench;
    const std::string mode = argc > 1 ? argv[1] : "";
    struct Mode {
        const char* name;
        int args;
        int (*run)(char**);
    };
    const Mode modes[] = {{"throughput", 5, throughput},
                          {"connect", 4, connect},
                          {"latency", 6, latency},
                          {"idle", 3, idle},
                          {"soak", 6, soak}};
    for (const auto& m : modes) {
        if (mode == m.name && argc == m.args + 2) return m.run(argv + 2);
    }
    std::fprintf(stderr,
                 "usage: amqp_blast throughput HOST PORT CONNS SECONDS BODY_BYTES\n"
                 "       amqp_blast connect HOST PORT CONCURRENCY SECONDS\n"
                 "       amqp_blast latency HOST PORT CONNS RATE SECONDS BODY_BYTES\n"
                 "       amqp_blast idle HOST PORT CONNS\n"
                 "       amqp_blast soak HOST PORT CONNS SECONDS RATE BODY_BYTES\n");
    return 2;
}
