// Reliable, ordered byte streams over AMQP, wire-compatible with the Go library
// github.com/TheCount/amqp-stream (docs: samples/amqp-stream/README.md), in the spirit of
// net.Conn and net.Listener: dial a server's control queue, or listen on one and accept.
// Unlike the Go library, writes complete when the broker confirms them, a message the
// broker cannot route is an error, connection requests are acked (or rejected), a prefetch
// limit gives flow control, and close() wakes a pending read.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "connection.hpp"

namespace amqpstream {

struct StreamOptions {
    std::size_t max_message = 65536;  // a write is cut into messages of at most this size
    std::uint16_t prefetch = 64;      // unacked messages the broker may push per stream
    std::chrono::milliseconds handshake_timeout{10000};
    std::chrono::milliseconds write_timeout{60000};  // a broker confirm slower than this fails
    // How often the peer's queue is checked (a passive declare on a short-lived channel):
    // a dead peer's exclusive queue is gone, and reads then fail. 0: never.
    std::chrono::milliseconds peer_check{10000};
};

class Stream {
public:
    Stream(std::shared_ptr<Connection> connection, std::shared_ptr<Channel> in,
           std::shared_ptr<Channel> out, std::string local_queue, std::string remote_queue,
           StreamOptions options)
        : m_connection(std::move(connection)),
          m_in(std::move(in)),
          m_out(std::move(out)),
          m_local_queue(std::move(local_queue)),
          m_remote_queue(std::move(remote_queue)),
          m_options(options) {}
    // A stream dropped without close() still ends: end of stream, channels closed.
    ~Stream() { close_now(); }
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    // The queue this side reads, the queue it writes to.
    const std::string& local_queue() const { return m_local_queue; }
    const std::string& remote_queue() const { return m_remote_queue; }

    // Up to buffer.size() bytes from the current message: 0 at the peer's end of stream.
    // `timeout` 0 waits without limit.
    friend awaitable<Expected<std::size_t>> read(std::shared_ptr<Stream> s,
                                                 std::span<std::byte> buffer,
                                                 std::chrono::milliseconds timeout);
    // All of `data`, cut into messages; done when the broker has confirmed every one.
    friend awaitable<Expected<void>> write(std::shared_ptr<Stream> s, amqp::ByteView data);
    // Ends this direction: the peer reads end of stream; reading goes on.
    friend awaitable<Expected<void>> shutdown(std::shared_ptr<Stream> s);
    // Ends both directions at once (sending end of stream if not yet sent, not waiting
    // for it) and wakes a pending read.
    friend void close(std::shared_ptr<Stream> s);
    // Runs while the stream is open (dial and accept start it): see StreamOptions::peer_check.
    awaitable<void> watch_peer(std::shared_ptr<Stream> s);
    friend awaitable<void> watch_peer(std::shared_ptr<Stream> s);

private:
    void close_now();

    std::shared_ptr<Connection> m_connection;
    std::shared_ptr<Channel> m_in;   // consumes m_local_queue
    std::shared_ptr<Channel> m_out;  // publishes to m_remote_queue, in confirm mode
    std::string m_local_queue;
    std::string m_remote_queue;
    StreamOptions m_options;
    amqp::Bytes m_current;  // the message being read, from m_read on
    std::size_t m_read = 0;
    bool m_eof = false;   // the peer's end of stream arrived
    bool m_shut = false;  // our end of stream went out
    bool m_closed = false;
    bool m_writing = false;  // writes are one at a time: one confirm window per stream
    std::optional<std::string> m_peer_gone;  // why reads fail once the peer died
};

awaitable<Expected<std::size_t>> read(std::shared_ptr<Stream> s, std::span<std::byte> buffer,
                                      std::chrono::milliseconds timeout);
awaitable<Expected<void>> write(std::shared_ptr<Stream> s, amqp::ByteView data);
awaitable<Expected<void>> shutdown(std::shared_ptr<Stream> s);
void close(std::shared_ptr<Stream> s);

// Opens a stream to the server listening on `control_queue`. Fails at once when no server
// listens there (the request comes back unroutable).
awaitable<Expected<std::shared_ptr<Stream>>> dial(std::shared_ptr<Connection> c,
                                                  std::string control_queue, StreamOptions options);

class Listener {
public:
    Listener(std::shared_ptr<Connection> connection, std::shared_ptr<Channel> control,
             std::string queue, StreamOptions options)
        : m_connection(std::move(connection)),
          m_control(std::move(control)),
          m_queue(std::move(queue)),
          m_options(options) {}
    const std::string& queue() const { return m_queue; }

    // The next valid connection request as a stream; invalid ones are rejected and logged
    // on stderr; requests whose client is already gone are skipped.
    friend awaitable<Expected<std::shared_ptr<Stream>>> accept(std::shared_ptr<Listener> l);
    friend void close(std::shared_ptr<Listener> l);

private:
    std::shared_ptr<Connection> m_connection;
    std::shared_ptr<Channel> m_control;
    std::string m_queue;
    StreamOptions m_options;
};

awaitable<Expected<std::shared_ptr<Listener>>> listen(std::shared_ptr<Connection> c,
                                                      std::string control_queue,
                                                      StreamOptions options);
awaitable<Expected<std::shared_ptr<Stream>>> accept(std::shared_ptr<Listener> l);
void close(std::shared_ptr<Listener> l);

}  // namespace amqpstream
