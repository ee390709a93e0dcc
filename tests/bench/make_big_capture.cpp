// Writes a large capture for the analyzer's benchmark: SESSIONS concurrent sessions, each a
// publisher with confirms and a manual-ack consumer (publish + header + body, confirm,
// deliver + header + body, ack: 8 frames per message), ~200-byte bodies, 50 us apart.
// With STREAM, also writes every frame in order as one raw AMQP byte stream, for a tshark
// baseline on the same frames (tests/bench/stream_to_pcap.py). It starts with a frame, not
// a protocol header, like a broker's side: the pcap puts it on the broker's port.
//   make_big_capture OUT.amqpcap FRAMES [SESSIONS [STREAM]]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "capture/writer.hpp"
#include "formats/amqp/content.hpp"
#include "formats/amqp/frame.hpp"
#include "formats/amqp/methods.hpp"
#include "formats/amqp/protocol_header.hpp"

using namespace amqpprox;
using namespace amqpprox::capture;

namespace {

amqp::Bytes encode(const amqp::Method& m) {
    amqp::Bytes out;
    if (!amqp::encode_method(m, out)) std::abort();
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: make_big_capture OUT.amqpcap FRAMES [SESSIONS [STREAM]]\n");
        return 2;
    }
    const std::string path = argv[1];
    const auto frames = std::strtoull(argv[2], nullptr, 10);
    const auto sessions = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 100;
    std::filesystem::remove(path);
    WriterOptions options;
    options.overflow = OverflowPolicy::block;
    options.source = "make_big_capture (synthetic)";
    CaptureWriter writer(path, options);

    using D = Direction;
    using T = amqp::FrameType;
    amqp::ContentHeader header;
    header.body_size = 200;
    header.properties.content_type = "application/json";
    amqp::Bytes header_payload;
    (void)amqp::encode_content_header(header, header_payload);
    const amqp::Bytes body(200, std::byte{'m'});
    const auto hdr = amqp::kProtocolHeader091.bytes;
    std::int64_t t = 1'763'800'000'000'000'000;
    std::uint64_t written = 0;
    std::ofstream stream;
    amqp::Bytes wire;
    if (argc > 4) stream.open(argv[4], std::ios::binary);
    auto put = [&](SessionId s, D d, T type, std::uint16_t ch, const amqp::Bytes& payload) {
        writer.record_frame(s, d, type, ch, payload, t);
        ++written;
        if (stream.is_open() && type != T::protocol_header) {
            wire.clear();
            amqp::encode_frame(type, ch, payload, wire);
            stream.write(reinterpret_cast<const char*>(wire.data()),
                         static_cast<std::streamsize>(wire.size()));
        }
    };
    std::vector<std::uint64_t> tags(sessions + 1, 0);
    for (SessionId s = 1; s <= sessions; ++s) {
        writer.start_session(
            {.id = s, .start_ns = t, .client_address = "10.0.0.1:" + std::to_string(40000 + s)});
        put(s, D::client_to_broker, T::protocol_header, 0, amqp::Bytes(hdr.begin(), hdr.end()));
        put(s, D::client_to_broker, T::method, 0,
            encode(amqp::ConnectionOpen{.virtual_host = "/"}));
        put(s, D::broker_to_client, T::method, 0, encode(amqp::ConnectionOpenOk{}));
        put(s, D::client_to_broker, T::method, 1, encode(amqp::ConfirmSelect{}));
        put(s, D::broker_to_client, T::method, 1, encode(amqp::ConfirmSelectOk{}));
        put(s, D::client_to_broker, T::method, 2,
            encode(amqp::BasicConsume{.queue = "q" + std::to_string(s % 10)}));
        put(s, D::broker_to_client, T::method, 2,
            encode(amqp::BasicConsumeOk{.consumer_tag = "c"}));
    }
    const auto publish =
        encode(amqp::BasicPublish{.exchange = "orders", .routing_key = "order.created"});
    while (written < frames) {
        for (SessionId s = 1; s <= sessions && written < frames; ++s) {
            t += 50'000;
            const auto tag = ++tags[s];
            put(s, D::client_to_broker, T::method, 1, publish);
            put(s, D::client_to_broker, T::header, 1, header_payload);
            put(s, D::client_to_broker, T::body, 1, body);
            put(s, D::broker_to_client, T::method, 1, encode(amqp::BasicAck{.delivery_tag = tag}));
            put(s, D::broker_to_client, T::method, 2,
                encode(amqp::BasicDeliver{.consumer_tag = "c",
                                          .delivery_tag = tag,
                                          .exchange = "orders",
                                          .routing_key = "order.created"}));
            put(s, D::broker_to_client, T::header, 2, header_payload);
            put(s, D::broker_to_client, T::body, 2, body);
            put(s, D::client_to_broker, T::method, 2, encode(amqp::BasicAck{.delivery_tag = tag}));
        }
    }
    for (SessionId s = 1; s <= sessions; ++s)
        writer.end_session(s, t, ClosedBy::client);
    writer.close();
    std::printf("%s: %llu frames in %llu sessions\n", path.c_str(),
                static_cast<unsigned long long>(writer.stats().frames_committed),
                static_cast<unsigned long long>(sessions));
    return 0;
}
