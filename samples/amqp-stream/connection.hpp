// A small AMQP 0-9-1 client on asio coroutines, built on the project's codec: one TCP
// connection, several channels, synchronous methods (one outstanding per channel),
// publishes with confirms and mandatory returns, consumers with manual acks, heartbeats.
// Single-threaded: every call runs on the connection's io_context.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <tl/expected.hpp>

#include "amqp_url.hpp"
#include "event.hpp"
#include "formats/amqp/content.hpp"
#include "formats/amqp/frame.hpp"
#include "formats/amqp/methods.hpp"
#include "proxy/leg.hpp"

namespace amqpstream {

namespace amqp = amqpprox::amqp;
using tcp = asio::ip::tcp;

template <typename T>
using Expected = tl::expected<T, std::string>;

struct Delivery {
    std::uint64_t delivery_tag = 0;
    amqp::BasicProperties properties;
    amqp::Bytes body;
};

class Connection;

// One channel's state, owned by its connection's table until the broker confirms its close.
struct Channel {
    std::uint16_t id = 0;
    std::weak_ptr<Connection> connection;
    std::optional<std::string> error;  // closed by the broker, by us, or with the connection
    std::uint16_t close_code = 0;      // the broker's reply code when it closed the channel

    // The reply to the one outstanding synchronous method.
    std::optional<amqp::Method> reply;
    Event reply_event;

    // Deliveries not yet taken by the consumer.
    std::deque<Delivery> deliveries;
    Event delivery_event;

    // Publisher confirms: sequence numbers not yet acked or nacked, and what went wrong.
    bool confirming = false;
    std::uint64_t next_seq = 1;
    std::set<std::uint64_t> unconfirmed;
    std::uint64_t nacks = 0;
    std::uint64_t returns = 0;
    std::string last_return;  // "312 NO_ROUTE to queue X"
    Event confirm_event;

    // A content-carrying method whose header and body are still coming.
    enum class Incoming : std::uint8_t { none, deliver, ret } incoming = Incoming::none;
    Delivery partial;
    std::uint64_t remaining = 0;
    std::string return_text;
};

struct ConnectionOptions {
    std::uint16_t heartbeat_s = 10;  // 0: none
    std::chrono::milliseconds connect_timeout{10000};
    std::string product = "amqp-stream";
    // amqps://: whom to trust (PEM; empty: the system's CAs), or no verification at all.
    std::string ca_file;
    bool insecure = false;
};

class Connection : public std::enable_shared_from_this<Connection> {
public:
    explicit Connection(Executor executor) : m_socket(executor) {}

    // Why the connection ended, once it has.
    const std::optional<std::string>& error() const { return m_error; }
    std::uint32_t frame_max() const { return m_frame_max; }
    Executor executor() { return m_socket.get_executor(); }

    // Queues bytes for the writer.
    void send(const amqp::Bytes& bytes);
    void send_method(std::uint16_t channel, const amqp::Method& method);
    // Ends the connection: every channel fails with `why`, waiters wake up.
    void fail(const std::string& why);
    // Connection.Close, then the socket closes when the broker answers (or at once).
    void close();

    // Internals the coroutines in connection.cpp share.
    amqpprox::proxy::Leg m_socket;  // TCP, or TLS for amqps://
    std::shared_ptr<amqpprox::proxy::ssl::context> m_tls_context;
    amqp::FrameSplitter m_splitter{amqp::FrameSplitter::Start::frames, 0};
    amqp::Bytes m_outgoing;
    Event m_outgoing_event;
    std::map<std::uint16_t, std::shared_ptr<Channel>> m_channels;
    std::uint16_t m_channel_max = 2047;
    std::uint32_t m_frame_max = amqp::kDefaultFrameMax;
    std::uint16_t m_heartbeat_s = 0;
    Clock::time_point m_last_received;
    std::optional<std::string> m_error;
    bool m_closing = false;
};

// Connects, logs in and starts the reader, writer and heartbeat coroutines.
awaitable<Expected<std::shared_ptr<Connection>>> connect(Executor executor, AmqpUrl url,
                                                         ConnectionOptions options);

awaitable<Expected<std::shared_ptr<Channel>>> open_channel(std::shared_ptr<Connection> c);
// Sends a synchronous method and waits for its reply (or the channel's end, or `timeout`).
// `method` by reference: GCC 12 double-destroys a coroutine's by-value parameter built by
// conversion (a BasicQos becoming a Method); it is encoded before the first suspension.
awaitable<Expected<amqp::Method>> call(std::shared_ptr<Channel> ch, const amqp::Method& method,
                                       std::chrono::milliseconds timeout);
// Publishes on `ch`: a confirm sequence number when the channel is in confirm mode.
std::uint64_t publish(Channel& ch, const std::string& queue,
                      const std::optional<std::string>& reply_to, amqp::ByteView body);
// Waits until every publish so far is confirmed; the error names a nack or the channel's end.
awaitable<Expected<void>> wait_confirms(std::shared_ptr<Channel> ch, Clock::time_point deadline);
void ack(Channel& ch, std::uint64_t delivery_tag);
void reject(Channel& ch, std::uint64_t delivery_tag);
// Channel.Close; the table forgets the channel when the broker answers.
void close_channel(Channel& ch);

}  // namespace amqpstream
