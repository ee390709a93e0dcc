// The TCP bridge: one stream and one TCP connection copied both ways, with half-close
// passed on (TCP FIN becomes the stream's end of stream and back) and a failure on either
// side closing both.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "stream.hpp"

namespace amqpstream {

struct BridgeTotals {
    std::uint64_t to_stream = 0;    // bytes TCP -> stream
    std::uint64_t from_stream = 0;  // bytes stream -> TCP
    std::string error;              // the first failure, "" when both sides ended cleanly
};

// Runs until both directions ended; closes both.
awaitable<BridgeTotals> bridge(std::shared_ptr<Stream> stream, std::shared_ptr<TcpSocket> socket);

}  // namespace amqpstream
