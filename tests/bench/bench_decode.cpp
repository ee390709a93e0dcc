// Decode throughput on a realistic mixed stream: publishes with ~200-byte bodies and
// properties, deliveries, acks, a heartbeat now and then. Measures (1) splitting into frames,
// (2) splitting plus decoding every method and content header, on one core.
//   bench_decode [MESSAGES] [REPEATS] [DUMP_FILE]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "formats/amqp/content.hpp"
#include "formats/amqp/frame.hpp"
#include "formats/amqp/methods.hpp"

using namespace amqpprox::amqp;
using Clock = std::chrono::steady_clock;

namespace {

void append_method(Bytes& out, std::uint16_t channel, const Method& m) {
    Bytes payload;
    if (!encode_method(m, payload)) std::abort();
    encode_frame(FrameType::method, channel, payload, out);
}

void append_message(Bytes& out, std::uint16_t channel, std::size_t body_size, int i) {
    ContentHeader header;
    header.body_size = body_size;
    header.properties.content_type = "application/json";
    header.properties.delivery_mode = 2;
    header.properties.message_id = "msg-" + std::to_string(i);
    header.properties.headers = FieldTable{{{"x-tenant", FieldValue{std::string("acme")}},
                                            {"x-attempt", FieldValue{std::int32_t{1}}}}};
    Bytes payload;
    if (!encode_content_header(header, payload)) std::abort();
    encode_frame(FrameType::header, channel, payload, out);
    encode_frame(FrameType::body, channel, Bytes(body_size, std::byte{'x'}), out);
}

// A stream of `messages` publishes, as many deliveries and acks, interleaved.
Bytes make_stream(int messages) {
    Bytes out;
    for (int i = 0; i < messages; ++i) {
        const std::size_t body = 150 + static_cast<std::size_t>(i % 101);  // 150..250 bytes
        append_method(out, 1,
                      BasicPublish{.exchange = "orders", .routing_key = "order.created.eu-west"});
        append_message(out, 1, body, i);
        append_method(out, 2,
                      BasicDeliver{.consumer_tag = "amq.ctag-Xo7Qc3bV0H3nqk9c1u2XgA",
                                   .delivery_tag = static_cast<std::uint64_t>(i + 1),
                                   .exchange = "orders",
                                   .routing_key = "order.created.eu-west"});
        append_message(out, 2, body, i);
        append_method(out, 2, BasicAck{.delivery_tag = static_cast<std::uint64_t>(i + 1)});
        if (i % 1000 == 0) encode_frame(FrameType::heartbeat, 0, {}, out);
    }
    return out;
}

struct Counts {
    std::uint64_t frames = 0;
    std::uint64_t methods = 0;
    std::uint64_t headers = 0;
};

enum class Mode { split, methods, methods_and_headers };

// Splits the stream as the proxy will: a splitter fed 64 KiB socket reads.
Counts run(const Bytes& stream, Mode mode) {
    constexpr std::size_t kRead = 64 * 1024;
    FrameSplitter splitter(FrameSplitter::Start::frames, kDefaultFrameMax);
    Counts counts;
    for (std::size_t at = 0; at < stream.size(); at += kRead) {
        splitter.feed(ByteView(stream).subspan(at, std::min(kRead, stream.size() - at)));
        while (true) {
            auto frame = splitter.next();
            if (!frame) std::abort();
            if (!*frame) break;
            ++counts.frames;
            if (mode == Mode::split) continue;
            if ((*frame)->type == FrameType::method) {
                if (!decode_method((*frame)->payload)) std::abort();
                ++counts.methods;
            } else if ((*frame)->type == FrameType::header && mode == Mode::methods_and_headers) {
                if (!decode_content_header((*frame)->payload)) std::abort();
                ++counts.headers;
            }
        }
    }
    return counts;
}

template <typename F>
double best_seconds(int repeats, F&& f) {
    double best = 1e9;
    for (int r = 0; r < repeats; ++r) {
        const auto start = Clock::now();
        f();
        best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    const int messages = argc > 1 ? std::atoi(argv[1]) : 200000;
    const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
    const auto stream = make_stream(messages);
    const double mb = static_cast<double>(stream.size()) / 1e6;
    std::printf("stream: %d messages, %.1f MB\n", messages, mb);
    if (argc > 3) {
        // The same bytes for the baselines (tshark via stream_to_pcap.py, amqp-analyze decode).
        std::ofstream(argv[3], std::ios::binary)
            .write(reinterpret_cast<const char*>(stream.data()),
                   static_cast<std::streamsize>(stream.size()));
    }

    Counts counts;
    const double split = best_seconds(repeats, [&] { counts = run(stream, Mode::split); });
    std::printf("split only:                  %6.0f MB/s  %6.2f M frames/s\n", mb / split,
                static_cast<double>(counts.frames) / split / 1e6);
    const double methods = best_seconds(repeats, [&] { counts = run(stream, Mode::methods); });
    std::printf("split + decode methods:      %6.0f MB/s  %6.2f M frames/s  %5.2f M methods/s\n",
                mb / methods, static_cast<double>(counts.frames) / methods / 1e6,
                static_cast<double>(counts.methods) / methods / 1e6);
    const double full =
        best_seconds(repeats, [&] { counts = run(stream, Mode::methods_and_headers); });
    std::printf(
        "split + decode all:          %6.0f MB/s  %6.2f M frames/s  %5.2f M methods/s "
        "+ %.2f M content headers/s\n",
        mb / full, static_cast<double>(counts.frames) / full / 1e6,
        static_cast<double>(counts.methods) / full / 1e6,
        static_cast<double>(counts.headers) / full / 1e6);
    return 0;
}
