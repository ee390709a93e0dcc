// Capture writer throughput: several producer threads (as proxy network threads) submit a
// realistic frame mix with ~200-byte bodies into a fresh capture file: flat out (blocking
// when the writer is behind, so the result is the writer's sustained rate) or at a fixed
// rate with the default drop policy (so the result says whether anything was lost). Reports
// frames/s and MB/s committed, drops, the writer thread's CPU share, and the file size per million
// frames.
//   bench_capture DIR [FRAMES] [THREADS] [bodies=all|none|N] [RATE_PER_S (0 = flat out)]
//                 [row-indexes|plain|sessions=N|body200]
// sessions=N: N sessions per producer thread instead of 50 (a proxy with many connections);
// body200: every frame a body frame of 200 bytes, instead of the mix.
// row-indexes: format 1's six per-row frame indexes added to the file (the old layout's cost);
// plain: no writer at all: one thread INSERTs the same rows, one statement each, into a bare
// frames table (no index, no chunks) with the writer's pragmas, in transactions of 4096 rows:
// what a naive SQLite insert loop does on this machine.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include "capture/sqlite.hpp"
#include "capture/writer.hpp"
#include "formats/amqp/content.hpp"
#include "formats/amqp/methods.hpp"

using namespace amqpprox;
using namespace amqpprox::capture;
using Clock = std::chrono::steady_clock;

namespace {

struct MixFrame {
    Direction direction;
    amqp::FrameType type;
    std::uint16_t channel;
    amqp::Bytes payload;
};

amqp::Bytes method_payload(const amqp::Method& m) {
    amqp::Bytes out;
    if (!amqp::encode_method(m, out)) std::abort();
    return out;
}

// One message's frames both ways: publish + header + body, deliver + header + body, ack.
std::vector<MixFrame> frame_mix() {
    amqp::ContentHeader header;
    header.body_size = 200;
    header.properties.content_type = "application/json";
    header.properties.delivery_mode = 2;
    amqp::Bytes header_payload;
    if (!amqp::encode_content_header(header, header_payload)) std::abort();
    const amqp::Bytes body(200, std::byte{'m'});
    using D = Direction;
    using T = amqp::FrameType;
    return {
        {D::client_to_broker, T::method, 1,
         method_payload(amqp::BasicPublish{.exchange = "orders", .routing_key = "order.created"})},
        {D::client_to_broker, T::header, 1, header_payload},
        {D::client_to_broker, T::body, 1, body},
        {D::broker_to_client, T::method, 2,
         method_payload(amqp::BasicDeliver{.consumer_tag = "amq.ctag-bench",
                                           .delivery_tag = 1,
                                           .exchange = "orders",
                                           .routing_key = "order.created"})},
        {D::broker_to_client, T::header, 2, header_payload},
        {D::broker_to_client, T::body, 2, body},
        {D::client_to_broker, T::method, 2, method_payload(amqp::BasicAck{.delivery_tag = 1})},
    };
}

// The same number of frames, each a 200-byte body.
std::vector<MixFrame> body_mix() {
    return {
        {Direction::client_to_broker, amqp::FrameType::body, 1, amqp::Bytes(200, std::byte{'m'})}};
}

// User and system CPU time of the whole process, all threads: on a loaded machine the
// CPU each frame costs says more than the wall-clock rate.
double process_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Bytes the process has handed to write calls (/proc/self/io `wchar`): the log, the
// checkpoints' copies and every rewrite of a page, against the file's size.
std::uint64_t bytes_written() {
    std::ifstream io("/proc/self/io");
    std::string key;
    std::uint64_t value = 0;
    while (io >> key >> value) {
        if (key == "wchar:") return value;
    }
    return 0;
}

// The baseline without the writer: see the usage above.
int plain_inserts(const std::string& dir, std::uint64_t frames, const BodyPolicy& bodies) {
    const auto path = dir + "/plain-" + bodies.to_string() + ".db";
    std::filesystem::remove(path);
    std::filesystem::remove(path + "-wal");
    std::vector<Record> rows;
    std::uint64_t seq = 0;
    for (const auto& f : frame_mix()) {
        Record r;
        r.direction = f.direction;
        r.type = f.type;
        r.channel = f.channel;
        r.size = static_cast<std::uint32_t>(f.payload.size());
        const auto kept =
            f.type == amqp::FrameType::body ? bodies.keep(f.payload.size()) : f.payload.size();
        r.payload.assign(f.payload.begin(), f.payload.begin() + static_cast<std::ptrdiff_t>(kept));
        if (f.type == amqp::FrameType::method) {
            r.method = amqp::peek_method_id(f.payload)->key();
            r.exchange = "orders";
            r.routing_key = "order.created";
        }
        rows.push_back(std::move(r));
    }
    Database db(path, Database::Mode::read_write_create);
    db.exec("PRAGMA page_size = 65536; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
    db.exec(
        "CREATE TABLE frames (id INTEGER PRIMARY KEY, session INTEGER NOT NULL, seq INTEGER NOT "
        "NULL, ts_ns INTEGER NOT NULL, direction INTEGER NOT NULL, channel INTEGER NOT NULL, "
        "type INTEGER NOT NULL, method INTEGER, size INTEGER NOT NULL, exchange TEXT, "
        "routing_key TEXT, queue TEXT, consumer_tag TEXT, delivery_tag INTEGER, payload BLOB "
        "NOT NULL)");
    auto insert = db.prepare(
        "INSERT INTO frames(session, seq, ts_ns, direction, channel, type, method, size, "
        "exchange, routing_key, queue, consumer_tag, delivery_tag, payload) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const auto start = Clock::now();
    const auto cpu_start = process_cpu_seconds();
    db.exec("BEGIN");
    for (std::uint64_t i = 0; i < frames; ++i) {
        const auto& r = rows[i % rows.size()];
        insert.bind(1, static_cast<std::int64_t>(i / rows.size() % 100))
            .bind(2, static_cast<std::int64_t>(seq++))
            .bind(3, now_ns())
            .bind(4, static_cast<std::int64_t>(r.direction))
            .bind(5, std::int64_t{r.channel})
            .bind(6, static_cast<std::int64_t>(r.type))
            .bind(7, r.method ? std::optional<std::int64_t>(*r.method) : std::nullopt)
            .bind(8, std::int64_t{r.size})
            .bind(9, r.exchange ? std::optional<std::string_view>(*r.exchange) : std::nullopt)
            .bind(10,
                  r.routing_key ? std::optional<std::string_view>(*r.routing_key) : std::nullopt)
            .bind(14, amqp::ByteView(r.payload))
            .run();
        if (i % 4096 == 4095) db.exec("COMMIT; BEGIN");
    }
    db.exec("COMMIT");
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double cpu = process_cpu_seconds() - cpu_start;
    std::printf(
        "PLAIN INSERT (one thread, one row per statement, no index, no writer) "
        "bodies=%-4s frames=%llu  %.0f frames/s  CPU per frame %.0f ns\n",
        bodies.to_string().c_str(), static_cast<unsigned long long>(frames),
        static_cast<double>(frames) / seconds, cpu * 1e9 / static_cast<double>(frames));
    std::filesystem::remove(path);
    std::filesystem::remove(path + "-wal");
    std::filesystem::remove(path + "-shm");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_capture DIR [FRAMES] [THREADS] [BODIES] [RATE]\n");
        return 2;
    }
    const std::string dir = argv[1];
    const std::uint64_t frames = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 2'000'000;
    const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
    const auto bodies = BodyPolicy::parse(argc > 4 ? argv[4] : "all").value();
    const double rate = argc > 5 ? std::atof(argv[5]) : 0;
    const std::string variant = argc > 6 ? argv[6] : "";
    const bool row_indexes = variant == "row-indexes";
    if (variant == "plain") return plain_inserts(dir, frames, bodies);

    const auto path =
        dir + "/bench-" + bodies.to_string() + "-" + std::to_string(threads) + ".amqpcap";
    std::filesystem::remove(path);
    std::filesystem::remove(path + "-wal");
    std::filesystem::remove(path + "-shm");
    const int sessions = variant.rfind("sessions=", 0) == 0 ? std::atoi(variant.c_str() + 9) : 50;
    const auto mix = variant == "body200" ? body_mix() : frame_mix();
    double mix_bytes = 0;
    for (const auto& f : mix)
        mix_bytes += static_cast<double>(f.payload.size() + 8);

    WriterOptions options;
    options.bodies = bodies;
    // Flat out: producers wait for the writer, so the rate is what the writer sustains with
    // nothing lost. At a set rate: the proxy's default, drop and record gaps.
    options.overflow = rate > 0 ? OverflowPolicy::drop : OverflowPolicy::block;
    auto writer = std::make_unique<CaptureWriter>(path, options);
    if (row_indexes) {
        Database db(path, Database::Mode::read_write_create);
        db.exec(
            "CREATE INDEX frames_session ON frames(session, seq);"
            "CREATE INDEX frames_ts ON frames(ts_ns);"
            "CREATE INDEX frames_method ON frames(method) WHERE method IS NOT NULL;"
            "CREATE INDEX frames_exchange ON frames(exchange, routing_key) "
            "WHERE exchange IS NOT NULL;"
            "CREATE INDEX frames_routing_key ON frames(routing_key) WHERE routing_key IS NOT NULL;"
            "CREATE INDEX frames_queue ON frames(queue) WHERE queue IS NOT NULL;");
    }
    const auto per_thread = frames / static_cast<std::uint64_t>(threads);
    std::vector<std::thread> producers;
    const auto start = Clock::now();
    const auto cpu_start = process_cpu_seconds();
    const auto written_start = bytes_written();
    for (int t = 0; t < threads; ++t) {
        producers.emplace_back([&, t] {
            // Each producer thread plays its sessions (50: as a proxy thread would carry).
            const auto first_session = static_cast<SessionId>(t * 1'000'000);
            for (SessionId s = 0; s < static_cast<SessionId>(sessions); ++s)
                writer->start_session({.id = first_session + s});
            const double thread_rate = rate / threads;
            for (std::uint64_t i = 0; i < per_thread; ++i) {
                const auto& f = mix[i % mix.size()];
                const auto session =
                    first_session + (i / mix.size()) % static_cast<std::uint64_t>(sessions);
                writer->record_frame(session, f.direction, f.type, f.channel, f.payload);
                if (thread_rate > 0 && i % 256 == 0) {
                    const auto due =
                        start + std::chrono::duration<double>(static_cast<double>(i) / thread_rate);
                    std::this_thread::sleep_until(
                        std::chrono::time_point_cast<Clock::duration>(due));
                }
            }
            for (SessionId s = 0; s < static_cast<SessionId>(sessions); ++s)
                writer->end_session(first_session + s);
        });
    }
    for (auto& p : producers)
        p.join();
    const auto submitted = Clock::now();
    writer->close();
    const auto done = Clock::now();
    const auto stats = writer->stats();
    const double cpu = process_cpu_seconds() - cpu_start;
    const double seconds = std::chrono::duration<double>(done - start).count();
    const double submit_seconds = std::chrono::duration<double>(submitted - start).count();
    const double wire_mb = static_cast<double>(stats.frames_committed) * mix_bytes /
                           static_cast<double>(mix.size()) / 1e6;
    const auto file_size = std::filesystem::file_size(path);
    std::printf(
        "%sbodies=%-4s threads=%d rate=%-9s frames=%llu committed=%llu dropped=%llu  "
        "%.0f frames/s  %.1f MB/s (wire)  submit %.2f s, until closed %.2f s  writer CPU %.0f%%  "
        "file %.1f MB (%.1f MB per million frames)  CPU per frame: writer thread %.0f ns, "
        "process %.0f ns  commits %llu (%.0f frames each)  written %.0f MB\n",
        row_indexes ? "FORMAT-1 ROW INDEXES " : "", bodies.to_string().c_str(), threads,
        rate > 0 ? std::to_string(static_cast<long>(rate)).c_str() : "max",
        static_cast<unsigned long long>(stats.frames_submitted),
        static_cast<unsigned long long>(stats.frames_committed),
        static_cast<unsigned long long>(stats.frames_dropped),
        static_cast<double>(stats.frames_committed) / seconds, wire_mb / seconds, submit_seconds,
        seconds, 100.0 * static_cast<double>(stats.writer_cpu_ns) / 1e9 / seconds,
        static_cast<double>(file_size) / 1e6,
        static_cast<double>(file_size) / 1e6 / (static_cast<double>(stats.frames_committed) / 1e6),
        static_cast<double>(stats.writer_cpu_ns) / static_cast<double>(stats.frames_committed),
        cpu * 1e9 / static_cast<double>(stats.frames_committed),
        static_cast<unsigned long long>(stats.commits),
        static_cast<double>(stats.frames_committed) /
            static_cast<double>(std::max<std::uint64_t>(stats.commits, 1)),
        static_cast<double>(bytes_written() - written_start) / 1e6);
    std::filesystem::remove(path);
    return stats.error.empty() ? 0 : 1;
}
