// One side of a session: a TCP connection, possibly wrapped in TLS. It models Asio's
// AsyncReadStream and AsyncWriteStream, so the pass-through reads and writes it the same way
// either way; TCP-level work (connect, options, addresses, close) goes to socket().
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <utility>

#include <boost/asio/ssl.hpp>

#include "asio.hpp"

namespace amqpprox::proxy {

namespace ssl = asio::ssl;

class Leg {
public:
    using executor_type = TcpSocket::executor_type;
    using TlsStream = ssl::stream<TcpSocket&>;

    // Sockets are put in non-blocking mode before their first operation, once: Asio then
    // sets no mode of its own, and read_now()/write_now() need no ioctl later.
    explicit Leg(TcpSocket socket) : m_socket(std::move(socket)) {
        boost::system::error_code ignored;
        m_socket.non_blocking(true, ignored);
    }
    explicit Leg(const executor_type& executor) : m_socket(executor) {}
    // The TLS stream refers to m_socket: a Leg stays where it was made.
    Leg(const Leg&) = delete;
    Leg& operator=(const Leg&) = delete;

    executor_type get_executor() { return m_socket.get_executor(); }
    // Opens the socket for a connect.
    void open(const tcp& protocol, boost::system::error_code& error) {
        m_socket.open(protocol, error);
        if (!error) m_socket.non_blocking(true, error);
    }
    TcpSocket& socket() { return m_socket; }
    const TcpSocket& socket() const { return m_socket; }

    // From now on bytes go through TLS made with `context`; the caller runs the handshake on
    // the returned stream before anything else.
    TlsStream& start_tls(ssl::context& context) {
        m_tls = std::make_unique<TlsStream>(m_socket, context);
        return *m_tls;
    }
    bool tls() const { return m_tls != nullptr; }
    // Before reconnecting the socket elsewhere: no operation may be pending.
    void drop_tls() { m_tls.reset(); }

    template <typename MutableBuffers, typename Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        if (m_tls) return m_tls->async_read_some(buffers, std::forward<Token>(token));
        return m_socket.async_read_some(buffers, std::forward<Token>(token));
    }

    template <typename ConstBuffers, typename Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        if (m_tls) return m_tls->async_write_some(buffers, std::forward<Token>(token));
        return m_socket.async_write_some(buffers, std::forward<Token>(token));
    }

    // A plain leg's bytes that can move right now, without waiting: one recv or send on the
    // socket in non-blocking mode, `error` would_block when none can. A busy pass-through
    // goes on this way and skips a trip through the reactor for every read and write.
    std::size_t read_now(asio::mutable_buffer buffer, boost::system::error_code& error) {
        if (!m_socket.non_blocking()) m_socket.non_blocking(true, error);
        return error ? 0 : m_socket.read_some(buffer, error);
    }
    std::size_t write_now(asio::const_buffer buffer, boost::system::error_code& error) {
        if (!m_socket.non_blocking()) m_socket.non_blocking(true, error);
        return error ? 0 : m_socket.write_some(buffer, error);
    }
    // What of `bytes` is left after one write_now() (all of them on a TLS leg, whose bytes go
    // through the stream); `error` is set only when the leg is gone.
    std::span<const std::byte> write_what_fits(std::span<const std::byte> bytes,
                                               boost::system::error_code& error) {
        if (m_tls || bytes.empty()) return bytes;
        const auto sent = write_now(asio::buffer(bytes.data(), bytes.size()), error);
        if (error == asio::error::would_block) error.clear();
        return error ? std::span<const std::byte>{} : bytes.subspan(sent);
    }

    // Both directions down at the TCP level, without TLS close_notify: the AMQP Close exchange
    // has already ended the conversation, or the session is being dropped. Pending reads and
    // writes complete with an error; the TLS stream stays until the Leg goes. shutdown()
    // first: it sends the FIN even when unread bytes are left, where close() alone would
    // send a reset that can discard the Close the peer has not read yet.
    void close() {
        boost::system::error_code ignored;
        m_socket.shutdown(TcpSocket::shutdown_both, ignored);
        m_socket.close(ignored);
    }

private:
    TcpSocket m_socket;
    std::unique_ptr<TlsStream> m_tls;
};

}  // namespace amqpprox::proxy
