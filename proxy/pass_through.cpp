#include "pass_through.hpp"

#include <chrono>
#include <vector>

#include <boost/asio/redirect_error.hpp>

#include "drained_wait.hpp"
#include "log.hpp"

namespace amqpprox::proxy {

using capture::Direction;

namespace {

using ReadBuffer = std::unique_ptr<std::byte[]>;

// A plain leg's read buffers, kept on their network thread for the next burst: a busy leg
// gives its buffer back each time it drains its socket, and takes one again without a
// malloc (or, for a heap that shrank, page faults) each time.
constexpr std::size_t kSpareBuffers = 8;  // per network thread: 512 KiB at most

std::vector<ReadBuffer>& spare_buffers() {
    thread_local std::vector<ReadBuffer> spare;
    return spare;
}

ReadBuffer take_read_buffer() {
    auto& spare = spare_buffers();
    if (spare.empty()) return std::make_unique_for_overwrite<std::byte[]>(kReadSize);
    auto buffer = std::move(spare.back());
    spare.pop_back();
    return buffer;
}

void give_back(ReadBuffer& buffer) {
    if (auto& spare = spare_buffers(); spare.size() < kSpareBuffers)
        spare.push_back(std::move(buffer));
    buffer.reset();
}

}  // namespace

awaitable<> PassThrough::write_to(std::shared_ptr<Session> session, bool to_client,
                                  amqp::ByteView bytes) {
    auto& s = *session;
    auto& busy = to_client ? s.m_writing_client : s.m_writing_broker;
    auto& free = to_client ? s.m_client_free : s.m_broker_free;
    while (busy) {
        boost::system::error_code ignored;
        co_await free.async_wait(asio::redirect_error(use_awaitable, ignored));
    }
    busy = true;
    try {
        co_await asio::async_write(to_client ? s.m_client : s.m_broker,
                                   asio::buffer(bytes.data(), bytes.size()), use_awaitable);
    } catch (...) {
        busy = false;
        free.cancel();
        throw;
    }
    busy = false;
    free.cancel();
}

awaitable<> PassThrough::graceful_close(std::shared_ptr<Session> session) {
    auto& s = *session;
    if (!s.m_open || s.m_graceful) {
        s.close_sockets();
        co_return;
    }
    s.m_graceful = true;
    s.m_paused = false;
    s.m_paused_flag = false;
    s.m_resume.cancel();
    if (s.m_closed_by == capture::ClosedBy::unknown) s.m_closed_by = capture::ClosedBy::proxy;
    const auto close = amqp::connection_close_frame(amqp::reply::success, "OK");
    s.record_output(close);
    try {
        co_await write_to(session, true, close);
    } catch (const boost::system::system_error&) {
        s.close_sockets();
        co_return;
    }
    // A client that never answers still lets go of the broker, after a while.
    s.m_deadline.expires_after(std::chrono::seconds(5));
    s.m_deadline.async_wait([weak = std::weak_ptr<Session>(session)](boost::system::error_code ec) {
        if (auto self = weak.lock(); self && !ec) self->close_sockets();
    });
}

awaitable<> PassThrough::refuse(std::shared_ptr<Session> session, std::uint16_t code,
                                std::string text) {
    auto& s = *session;
    log(LogLevel::warning, "session " + std::to_string(s.id()) + " from " + s.m_client_address +
                               ": closing with " + std::to_string(code) + ": " + text);
    const auto close = amqp::connection_close_frame(code, text);
    s.record_output(close);
    if (s.m_closed_by == capture::ClosedBy::unknown || s.m_closed_by == capture::ClosedBy::broker) {
        s.m_closed_by = capture::ClosedBy::proxy;
    }
    co_await write_to(session, true, close);
    s.close_sockets();
}

// What of `bytes` a plain leg takes at once when no other write to it is in progress; the
// rest is for write_to(). `error` is set when the leg is gone (would_block is not an error).
amqp::ByteView PassThrough::write_now(Session& s, bool to_client, amqp::ByteView bytes,
                                      boost::system::error_code& error) {
    if (to_client ? s.m_writing_client : s.m_writing_broker) return bytes;
    return (to_client ? s.m_client : s.m_broker).write_what_fits(bytes, error);
}

awaitable<> PassThrough::pump(std::shared_ptr<Session> session, Direction direction) {
    auto& s = *session;
    const bool from_client = direction == Direction::client_to_broker;
    auto& from = from_client ? s.m_client : s.m_broker;
    const bool tls = from.tls();
    // A plain leg reads as HAProxy does: with recv while bytes keep coming, and once a read
    // comes back short (the socket drained), it waits for the next bytes with no system call
    // (async_wait_drained) and no buffer: it takes one from its thread's spares for each
    // burst and gives it back when the burst is read (1,000 idle clients hold none). A TLS
    // leg keeps its buffer and reads through the stream: OpenSSL may hold decrypted bytes
    // the socket no longer shows.
    ReadBuffer buffer;
    const std::size_t size = tls ? kTlsReadSize : kReadSize;
    if (tls) buffer = std::make_unique_for_overwrite<std::byte[]>(size);
    // Nothing has suspended this coroutine since a read found the socket drained: the
    // condition of async_wait_drained().
    bool drained = false;
    // Every kReadsInARow-th read of a busy plain leg goes through the reactor all the same,
    // so that a busy session lets the others on its thread have their turn.
    constexpr int kReadsInARow = 16;
    int in_a_row = 0;
    try {
        while (true) {
            boost::system::error_code read_error;
            std::size_t n = 0;
            if (tls) {
                n = co_await from.async_read_some(asio::buffer(buffer.get(), size),
                                                  asio::redirect_error(use_awaitable, read_error));
            } else {
                if (drained) {
                    co_await async_wait_drained(from.socket(),
                                                asio::redirect_error(use_awaitable, read_error));
                    drained = false;
                    in_a_row = 0;
                }
                if (!read_error) {
                    if (!buffer) buffer = take_read_buffer();
                    if (++in_a_row < kReadsInARow) {
                        n = from.read_now(asio::buffer(buffer.get(), size), read_error);
                    } else {
                        in_a_row = 0;
                        n = co_await from.async_read_some(
                            asio::buffer(buffer.get(), size),
                            asio::redirect_error(use_awaitable, read_error));
                    }
                }
                if (read_error == asio::error::would_block) {
                    give_back(buffer);
                    drained = true;
                    continue;
                }
            }
            if (read_error) {
                s.note_dropped(from_client);
                break;
            }
            // A short read drained the socket (checked before anything below can suspend).
            drained = !tls && n < size;
            // Paused: what was read waits here and nothing more is read, so TCP pushes back.
            while (from_client && s.m_paused && !s.m_graceful && !s.m_closed) {
                drained = false;
                boost::system::error_code ignored;
                co_await s.m_resume.async_wait(asio::redirect_error(use_awaitable, ignored));
            }
            if (s.m_closed) break;
            auto& bytes = from_client ? s.m_counters.in_bytes : s.m_counters.out_bytes;
            auto& packets = from_client ? s.m_counters.in_packets : s.m_counters.out_packets;
            // Relaxed: STAT and CONN read totals; nothing is ordered by them.
            bytes.fetch_add(n, std::memory_order_relaxed);
            packets.fetch_add(1, std::memory_order_relaxed);
            const amqp::ByteView read(buffer.get(), n);
            // The frames of one read arrived together: one clock reading for all of them.
            const auto read_ns = s.m_recorder.recording() ? capture::now_ns() : 0;
            if (const auto error = s.take(direction, read)) {
                // Recorded up to the bad frame: the capture shows what the Close is about.
                if (read_ns != 0) s.record_read(direction, read, read_ns);
                if (from_client) {
                    co_await refuse(session, error->reply_code(), error->message());
                } else {
                    log(LogLevel::error,
                        "session " + std::to_string(s.id()) +
                            ": broker sent a malformed frame: " + error->message());
                }
                break;
            }
            if (s.m_graceful) {
                if (read_ns != 0) s.record_read(direction, read, read_ns);
                // Closing: nothing passes; the client's answer turns into the broker's Close.
                if (s.m_client_closing && !s.m_broker_close_sent) {
                    s.m_broker_close_sent = true;
                    drained = false;
                    co_await write_to(session, false,
                                      amqp::connection_close_frame(amqp::reply::success, "OK"));
                }
                if (s.m_broker_closed) break;
                if (drained) give_back(buffer);
                continue;
            }
            boost::system::error_code write_error;
            const auto rest = write_now(s, !from_client, read, write_error);
            // Recording waits until the bytes are on their way: a read of many small frames
            // would otherwise hold them (and the other side's answers) for its recording.
            // What was read is recorded even when the other side is gone.
            if (read_ns != 0) s.record_read(direction, read, read_ns);
            // As a failed async_write would.
            if (write_error) throw boost::system::system_error(write_error);
            if (!rest.empty()) {
                drained = false;
                co_await write_to(session, !from_client, rest);
            }
            if (drained) give_back(buffer);
            // LIMIT DATA_RATE: the next read from the client waits for its share.
            if (from_client && s.m_limits && !s.m_limits->count_read(n)) {
                drained = false;
                co_await pace(s.m_limits);
            }
        }
    } catch (const boost::system::system_error&) {
        // Writing failed: almost always the side written to (a Close to the client during
        // refuse() is the exception, and rare).
        s.note_dropped(!from_client);
    }
    s.close_sockets();
}

}  // namespace amqpprox::proxy
