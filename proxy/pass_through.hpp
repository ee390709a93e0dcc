// An established session's two pumps, and every write the proxy makes into a session of its
// own accord (a Close): those wait for the pass-through's write in progress, so they never
// land inside a frame passing through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "session.hpp"

namespace amqpprox::proxy {

// A busy plain leg's reads: fewer system calls per byte than HAProxy's 16 KiB buffers
// (docs/BENCHMARKS.md, "The read size again").
inline constexpr std::size_t kReadSize = 64 * 1024;
// A TLS leg's, held for the session's life: OpenSSL hands over one record (16 KiB at most)
// per read.
inline constexpr std::size_t kTlsReadSize = 16 * 1024;

struct PassThrough {
    // Moves bytes from one side to the other, checking and counting their frames (and
    // recording them for the captures), until either side ends; then closes both.
    static awaitable<> pump(std::shared_ptr<Session> session, capture::Direction direction);
    // Writes `bytes` to one side once no other write to it is in progress.
    static awaitable<> write_to(std::shared_ptr<Session> session, bool to_client,
                                amqp::ByteView bytes);
    // DISCONNECT_GRACEFUL: Connection.Close 200 to the client; its Close-Ok becomes the
    // broker's Close, and frames are discarded meanwhile.
    static awaitable<> graceful_close(std::shared_ptr<Session> session);
    // Ends the session for a reason of the proxy's: Connection.Close `code` `text` to the
    // client (recorded, logged), then both sides closed.
    static awaitable<> refuse(std::shared_ptr<Session> session, std::uint16_t code,
                              std::string text);

private:
    static amqp::ByteView write_now(Session& s, bool to_client, amqp::ByteView bytes,
                                    boost::system::error_code& error);
};

}  // namespace amqpprox::proxy
