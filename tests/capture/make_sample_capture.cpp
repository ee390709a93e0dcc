// Writes the recorded sample connections (samples/amqp/*.bin) into a capture file, one
// session each, for tests of the documented queries and of the tools. Timestamps are
// synthetic: the client's frames and the broker's alternate, 1 ms apart.
//   make_sample_capture OUT.amqpcap
#include <cstdio>
#include <filesystem>

#include "capture/writer.hpp"
#include "capture_test_support.hpp"

using namespace amqpprox;
using namespace amqpprox::capture;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_sample_capture OUT.amqpcap\n");
        return 2;
    }
    WriterOptions options;
    options.overflow = OverflowPolicy::block;
    options.source = "samples/amqp (synthetic timestamps)";
    CaptureWriter writer(argv[1], options);
    std::int64_t t = 1'763'800'000'000'000'000;  // 2025-11-22T08:26:40Z
    SessionId id = 0;
    for (const auto* name :
         {"pika_session.conn1", "amqp_tools.conn2", "amqp_tools.conn6", "raw_methods.conn2"}) {
        const auto frames = test::sample_frames(name);
        writer.start_session({.id = ++id,
                              .start_ns = t,
                              .client_address = "127.0.0.1:4100" + std::to_string(id),
                              .proxy_address = "127.0.0.1:5672"});
        writer.set_backend(id, "rabbit", "127.0.0.1:5790", false);
        // Alternate the two directions so the session reads like a conversation.
        std::vector<const test::SampleFrame*> client, broker;
        for (const auto& f : frames) {
            (f.direction == Direction::client_to_broker ? client : broker).push_back(&f);
        }
        for (std::size_t i = 0; i < std::max(client.size(), broker.size()); ++i) {
            for (const auto* side : {&client, &broker}) {
                if (i >= side->size()) continue;
                const auto* f = (*side)[i];
                writer.record_frame(id, f->direction, f->type, f->channel, f->payload,
                                    t += 1'000'000);
            }
        }
        writer.end_session(id, t += 1'000'000);
    }
    writer.close();
    std::printf("%s: %llu frames in %llu sessions\n", argv[1],
                static_cast<unsigned long long>(writer.stats().frames_committed),
                static_cast<unsigned long long>(id));
    return 0;
}
