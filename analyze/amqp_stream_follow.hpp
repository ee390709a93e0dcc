// `amqp-analyze follow --amqp-stream`: finds amqp-stream connections (a byte stream carried
// over AMQP, as github.com/TheCount/amqp-stream speaks it) and writes each direction's bytes
// out exactly, like Wireshark's Follow TCP Stream.
//
// Recognition, from what the capture holds of either end (publishes or deliveries):
//   request: empty body to the default exchange, routing key = control queue, reply-to = the
//            client's queue;
//   reply:   empty body to the client's queue, reply-to = the server's queue;
//   data:    non-empty bodies to the server's queue (client -> server) and to the client's
//            queue (server -> client); an empty body without reply-to ends that direction.
// Each direction's bytes come from the deliveries of its queue when the capture holds the
// reading side, otherwise from the publishes (less those the broker returned).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "follow.hpp"

namespace amqpprox::analyze {

struct StreamDirection {
    std::string queue;             // the queue this direction's messages go to
    std::string file;              // where its bytes were written ("" without -o)
    bool from_deliveries = false;  // else from publishes
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;
    bool ended = false;                   // its end-of-stream message is in the capture
    bool end_returned = false;            // the end-of-stream came back 312 (peer gone first)
    std::uint64_t returned_messages = 0;  // data the broker returned: the peer never got it
    std::uint64_t returned_bytes = 0;
    std::uint64_t incomplete_messages = 0;  // bodies the capture holds only in part
    std::uint64_t after_end = 0;            // messages after end of stream (ignored)
};

struct AmqpStream {
    std::uint32_t number = 0;  // from 1, in the order the streams opened
    std::string control_queue;
    std::string client_session;  // labels; "" when the capture holds no frame of that side
    std::string server_session;
    std::int64_t opened_ns = 0;
    StreamDirection client_to_server;  // to the server's queue
    StreamDirection server_to_client;  // to the client's queue
    bool frames_missing = false;       // its sessions have gaps: whole messages may be lost

    bool exact() const;  // both directions are in the capture in full
};

// Finds the streams (two passes over the inputs) and, with options.output_dir, writes
// `stream-N.client-to-server` and `stream-N.server-to-client` there.
// Exit status: 0 every stream written exactly, 1 no stream found, 2 a stream is incomplete
// in the capture, a frame could not be decoded, or a file could not be written.
int follow_amqp_streams(const InputSet& inputs, const Selection& selection,
                        const FollowOptions& options, std::ostream& out, std::ostream& err);

}  // namespace amqpprox::analyze
