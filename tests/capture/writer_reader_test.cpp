#include <algorithm>
#include <random>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "capture/frame_facts.hpp"
#include "capture/reader.hpp"
#include "capture/sqlite.hpp"
#include "capture/writer.hpp"
#include "capture_test_support.hpp"
#include "formats/amqp/methods.hpp"
#include "formats/amqp/writer.hpp"

using namespace amqpprox;
using namespace amqpprox::capture;
using namespace amqpprox::capture::test;

namespace {

WriterOptions complete() {
    WriterOptions options;
    options.overflow = OverflowPolicy::block;  // tests must see every frame
    return options;
}

// Writes the pika sample session as session 7 with 1 ms between frames; returns the frames.
std::vector<SampleFrame> write_pika_session(CaptureWriter& writer, std::int64_t t0) {
    const auto frames = sample_frames("pika_session.conn1");
    writer.start_session({.id = 7,
                          .start_ns = t0,
                          .client_address = "127.0.0.1:50000",
                          .proxy_address = "127.0.0.1:5672"});
    writer.set_backend(7, "rabbit1", "127.0.0.1:5790", false);
    std::int64_t t = t0;
    for (const auto& f : frames) {
        REQUIRE(writer.record_frame(7, f.direction, f.type, f.channel, f.payload, t += 1'000'000));
    }
    writer.end_session(7, t + 1'000'000);
    return frames;
}

// "wal" or "delete": how a capture file is left.
std::string journal_mode(const std::string& path) {
    Database db(path, Database::Mode::read_only);
    auto mode = db.prepare("PRAGMA journal_mode");
    REQUIRE(mode.step());
    return mode.text(0);
}

std::optional<std::string> exchange_of(const amqp::Bytes& payload) {
    auto method = amqp::decode_method(payload);
    if (!method) return std::nullopt;
    std::optional<std::string> exchange;
    std::visit(
        [&](const auto& m) {
            amqp::visit_fields(m, [&](auto, std::string_view name, const auto& v) {
                if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) {
                    if (name == "exchange") exchange = v;
                }
            });
        },
        *method);
    return exchange;
}

}  // namespace

TEST_CASE("a recorded session reads back frame for frame", "[capture]") {
    TempDir dir;
    const auto path = dir.file("s.amqpcap");
    CaptureWriter writer(path, complete());
    const auto frames = write_pika_session(writer, 1'700'000'000'000'000'000);
    writer.close();
    CHECK(writer.stats().frames_committed == frames.size());
    CHECK(writer.stats().frames_dropped == 0);

    auto reader = CaptureReader::open(path);
    REQUIRE(reader);
    CHECK(reader->meta().format == "amqpcap");
    CHECK(reader->meta().format_version == "2.2");
    CHECK(reader->meta().bodies == "all");
    CHECK(reader->meta().redaction == "credentials");

    const auto sessions = reader->sessions();
    REQUIRE(sessions.size() == 1);
    const auto& s = sessions[0];
    CHECK(s.start.id == 7);
    CHECK(s.start.client_address == "127.0.0.1:50000");
    CHECK(s.start.backend == "rabbit1");
    CHECK(s.vhost == "/");
    CHECK(s.user == "guest");
    CHECK(s.connection_name == "amqpprox-golden-pika");
    CHECK(s.client_properties.find("\"product\"") != std::string::npos);
    CHECK(s.server_properties.find("RabbitMQ") != std::string::npos);
    CHECK(s.close_code == 200);
    CHECK(s.closed_by == ClosedBy::client);
    CHECK(s.frames == frames.size());
    CHECK(s.end_ns.has_value());

    std::size_t i = 0;
    reader->for_each({}, RecordOrder::session, [&](const Record& r) {
        REQUIRE(i < frames.size());
        const auto& f = frames[i];
        CHECK(r.seq == i);
        CHECK(r.direction == f.direction);
        CHECK(r.type == f.type);
        CHECK(r.channel == f.channel);
        CHECK(r.size == f.payload.size());
        const bool start_ok = r.method == amqp::ConnectionStartOk::id.key();
        if (!start_ok) CHECK(r.payload == f.payload);  // byte-identical, except redaction
        ++i;
        return true;
    });
    CHECK(i == frames.size());
    const auto totals = reader->totals();
    CHECK(totals.frames == frames.size());
    CHECK(totals.gaps == 0);
    CHECK(totals.open_sessions == 0);
}

TEST_CASE("a closed capture is one file, and reading it adds none", "[capture]") {
    TempDir dir;
    const auto path = dir.file("closed.amqpcap");
    {
        CaptureWriter writer(path, complete());
        write_pika_session(writer, 1'700'000'000'000'000'000);
        writer.close();
    }
    const auto only_the_file = [&] {
        return !std::filesystem::exists(path + "-wal") && !std::filesystem::exists(path + "-shm");
    };
    CHECK(only_the_file());
    {
        auto reader = CaptureReader::open(path);
        REQUIRE(reader);
        CHECK(reader->totals().frames > 0);
    }
    CHECK(only_the_file());  // a read-only reader of a WAL file would have left both
    CHECK(journal_mode(path) == "delete");
}

TEST_CASE("a capture closed while a reader follows it stays in WAL mode, whole", "[capture]") {
    TempDir dir;
    const auto path = dir.file("followed.amqpcap");
    CaptureWriter writer(path, complete());
    const auto frames = write_pika_session(writer, 1'700'000'000'000'000'000);
    writer.flush();
    auto follower = CaptureReader::open(path);
    REQUIRE(follower);
    CHECK(follower->totals().frames == frames.size());
    writer.close();
    CHECK(writer.stats().error.empty());
    auto reader = CaptureReader::open(path);
    REQUIRE(reader);
    CHECK(reader->totals().frames == frames.size());
    CHECK(journal_mode(path) == "wal");
}

TEST_CASE("a capture written in bulk opens and reads like a live one", "[capture][bulk]") {
    TempDir dir;
    const auto path = dir.file("bulk.amqpcap");
    auto options = complete();
    options.durability = Durability::bulk;
    CaptureWriter writer(path, options);
    const auto frames = write_pika_session(writer, 1'700'000'000'000'000'000);
    writer.close();
    CHECK(writer.stats().error.empty());
    CHECK(writer.stats().frames_committed == frames.size());

    CHECK(journal_mode(path) == "delete");  // like every closed capture
    {
        Database db(path, Database::Mode::read_write_create);
        auto check = db.prepare("PRAGMA integrity_check");
        REQUIRE(check.step());
        CHECK(check.text(0) == "ok");
    }
    auto reader = CaptureReader::open(path);
    REQUIRE(reader);
    CHECK(reader->totals().frames == frames.size());
    std::size_t i = 0;
    reader->for_each({}, RecordOrder::session, [&](const Record& r) {
        REQUIRE(i < frames.size());
        if (r.method != amqp::ConnectionStartOk::id.key()) CHECK(r.payload == frames[i].payload);
        ++i;
        return true;
    });
    CHECK(i == frames.size());
}

TEST_CASE("filters return exactly the matching frames", "[capture]") {
    TempDir dir;
    const auto path = dir.file("f.amqpcap");
    CaptureWriter writer(path, complete());
    const auto frames = write_pika_session(writer, 1'000'000'000);
    writer.close();
    auto reader = CaptureReader::open(path).value();

    auto seqs = [&](const RecordFilter& filter, RecordOrder order = RecordOrder::session) {
        std::vector<std::uint64_t> out;
        reader.for_each(filter, order, [&](const Record& r) {
            out.push_back(r.seq);
            return true;
        });
        CHECK(reader.count(filter) == out.size());
        return out;
    };
    // The expectations come from decoding the sample independently.
    std::vector<std::uint64_t> publishes_direct, channel2, deliveries;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const auto& f = frames[i];
        if (f.type == amqp::FrameType::method) {
            const auto id = amqp::peek_method_id(f.payload).value();
            if (exchange_of(f.payload) == "golden.direct") publishes_direct.push_back(i);
            if (id == amqp::BasicDeliver::id) deliveries.push_back(i);
        }
        if (f.channel == 2) channel2.push_back(i);
    }
    REQUIRE_FALSE(publishes_direct.empty());
    CHECK(seqs({.exchange = "golden.direct"}) == publishes_direct);
    CHECK(seqs({.channel = 2}) == channel2);
    CHECK(seqs({.methods = {amqp::BasicDeliver::id.key()}}) == deliveries);
    CHECK(seqs({.sessions = {8}}).empty());
    CHECK(seqs({.vhost = "/"}).size() == frames.size());
    CHECK(seqs({.vhost = "other"}).empty());
    // 1 ms per frame from t0 + 1 ms: frames 10..19 fall in [t0 + 11 ms, t0 + 21 ms).
    const auto window =
        seqs({.from_ns = 1'000'000'000 + 11'000'000, .to_ns = 1'000'000'000 + 21'000'000},
             RecordOrder::time);
    CHECK(window == std::vector<std::uint64_t>{10, 11, 12, 13, 14, 15, 16, 17, 18, 19});
    const auto queue_frames = seqs({.queue = "golden.q1"});
    CHECK_FALSE(queue_frames.empty());
    reader.for_each({.queue = "golden.q1"}, RecordOrder::session, [](const Record& r) {
        CHECK(r.queue == "golden.q1");
        return true;
    });
    const auto routed = seqs({.routing_key = "rk.q1"});
    CHECK_FALSE(routed.empty());
}

TEST_CASE("credentials never reach the file", "[capture][redaction]") {
    TempDir dir;
    const auto path = dir.file("r.amqpcap");
    {
        CaptureWriter writer(path, complete());
        writer.start_session({.id = 1});
        amqp::Bytes payload;
        REQUIRE(amqp::encode_method(
            amqp::ConnectionStartOk{.mechanism = "PLAIN",
                                    .response = std::string("\0alice\0Pl41n-Passw0rd", 21),
                                    .locale = "en_US"},
            payload));
        writer.record_frame(1, Direction::client_to_broker, amqp::FrameType::method, 0, payload);
        payload.clear();
        REQUIRE(
            amqp::encode_method(amqp::ConnectionSecureOk{.response = "Secure-0k-Secret"}, payload));
        writer.record_frame(1, Direction::client_to_broker, amqp::FrameType::method, 0, payload);
        payload.clear();
        REQUIRE(amqp::encode_method(
            amqp::ConnectionUpdateSecret{.new_secret = "Upd4ted-T0ken", .reason = "rotate"},
            payload));
        writer.record_frame(1, Direction::client_to_broker, amqp::FrameType::method, 0, payload);
        // AMQPLAIN on a second session.
        writer.start_session({.id = 2});
        amqp::Bytes response;
        amqp::Writer w(response);
        w.short_str("LOGIN");
        w.u8('S');
        w.long_str("bob");
        w.short_str("PASSWORD");
        w.u8('S');
        w.long_str("Amqpl41n-Secret");
        payload.clear();
        REQUIRE(amqp::encode_method(
            amqp::ConnectionStartOk{.mechanism = "AMQPLAIN",
                                    .response = std::string(amqp::as_chars(response)),
                                    .locale = "en_US"},
            payload));
        writer.record_frame(2, Direction::client_to_broker, amqp::FrameType::method, 0, payload);
        writer.close();
    }
    const auto raw = raw_file_bytes(path);
    CHECK_FALSE(raw.empty());
    for (const auto* secret :
         {"Pl41n-Passw0rd", "Secure-0k-Secret", "Upd4ted-T0ken", "Amqpl41n-Secret"}) {
        INFO(secret);
        CHECK(raw.find(secret) == std::string::npos);
    }
    auto reader = CaptureReader::open(path).value();
    const auto sessions = reader.sessions();
    REQUIRE(sessions.size() == 2);
    CHECK(sessions[0].user == "alice");
    CHECK(sessions[1].user == "bob");
    // The redacted frames still decode, with the user kept.
    reader.for_each({}, RecordOrder::session, [](const Record& r) {
        auto method = amqp::decode_method(r.payload);
        REQUIRE(method);
        if (const auto* start_ok = std::get_if<amqp::ConnectionStartOk>(&*method)) {
            CHECK(start_ok->response.find("[redacted]") != std::string::npos);
        }
        return true;
    });
}

TEST_CASE("credentials are kept when the operator turns redaction off", "[capture][redaction]") {
    TempDir dir;
    const auto path = dir.file("k.amqpcap");
    auto options = complete();
    options.redact_credentials = false;
    CaptureWriter writer(path, options);
    amqp::Bytes payload;
    REQUIRE(amqp::encode_method(amqp::ConnectionSecureOk{.response = "Kept-Secret"}, payload));
    writer.record_frame(1, Direction::client_to_broker, amqp::FrameType::method, 0, payload);
    writer.close();
    CHECK(raw_file_bytes(path).find("Kept-Secret") != std::string::npos);
    CHECK(CaptureReader::open(path)->meta().redaction == "off");
}

TEST_CASE("every frame reads back with the indexed arguments of its method", "[capture][keys]") {
    TempDir dir;
    const auto path = dir.file("k.amqpcap");
    CaptureWriter writer(path, complete());
    std::vector<SampleFrame> all;
    SessionId id = 0;
    for (const auto* name : {"pika_session.conn1", "amqp_tools.conn1", "amqp_tools.conn3",
                             "amqp_tools.conn5", "raw_methods.conn1", "raw_methods.conn2"}) {
        ++id;
        writer.start_session({.id = id});
        for (const auto& f : sample_frames(name)) {
            REQUIRE(writer.record_frame(id, f.direction, f.type, f.channel, f.payload));
            all.push_back(f);
        }
        writer.end_session(id);
    }
    writer.close();
    auto reader = CaptureReader::open(path).value();
    std::size_t i = 0;
    std::size_t with_names = 0;
    // Session order is the order written: sessions 1, 2, ... each from seq 0.
    reader.for_each({}, RecordOrder::session, [&](const Record& r) {
        REQUIRE(i < all.size());
        const auto& f = all[i++];
        CHECK(r.type == f.type);
        Record expected;
        if (f.type == amqp::FrameType::method) {
            expected.method = amqp::peek_method_id(f.payload).value().key();
            if (auto method = amqp::decode_method(f.payload)) {
                extract_indexed_arguments(*method, expected);
            }
        }
        check_indexed_arguments(r, expected);
        if (r.exchange || r.queue) ++with_names;
        const bool connection = r.method && (*r.method >> 16) == 10;  // credentials redacted
        if (!connection) CHECK(r.payload == f.payload);
        return true;
    });
    CHECK(i == all.size());
    CHECK(with_names > 20);
}

TEST_CASE("a trickle of frames is committed within the flush interval, unasked",
          "[capture][latency]") {
    TempDir dir;
    auto options = complete();
    options.flush_interval = std::chrono::milliseconds(100);
    CaptureWriter writer(dir.file("t.amqpcap"), options);
    const amqp::Bytes body(10, std::byte{'t'});
    for (int i = 0; i < 3; ++i)
        writer.record_frame(1, Direction::client_to_broker, amqp::FrameType::body, 1, body);
    const auto start = std::chrono::steady_clock::now();
    while (writer.stats().frames_committed < 3 &&
           std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(writer.stats().frames_committed == 3);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
}

TEST_CASE(
    "a small queue wakes the writer before it fills: blocked callers do not wait for "
    "the flush interval",
    "[capture][latency]") {
    TempDir dir;
    auto options = complete();
    options.queue_capacity = 8;
    options.flush_interval = std::chrono::seconds(2);
    CaptureWriter writer(dir.file("q.amqpcap"), options);
    const amqp::Bytes body(10, std::byte{'q'});
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 1000; ++i)
        writer.record_frame(1, Direction::client_to_broker, amqp::FrameType::body, 1, body);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
    writer.close();
    CHECK(writer.stats().frames_committed == 1000);
}

TEST_CASE("body policies cut bodies and keep their wire size", "[capture]") {
    TempDir dir;
    const amqp::Bytes body(1000, std::byte{'b'});
    for (const auto& [policy, kept] :
         std::vector<std::pair<std::string, std::size_t>>{{"all", 1000}, {"none", 0}, {"16", 16}}) {
        INFO(policy);
        const auto path = dir.file("b-" + policy + ".amqpcap");
        auto options = complete();
        options.bodies = BodyPolicy::parse(policy).value();
        CaptureWriter writer(path, options);
        writer.record_frame(1, Direction::client_to_broker, amqp::FrameType::body, 1, body);
        writer.close();
        auto reader = CaptureReader::open(path).value();
        CHECK(reader.meta().bodies == policy);
        reader.for_each({}, RecordOrder::session, [&](const Record& r) {
            CHECK(r.size == 1000);
            CHECK(r.payload.size() == kept);
            return true;
        });
    }
    CHECK_FALSE(BodyPolicy::parse("some"));
    CHECK(BodyPolicy::parse("some").error() ==
          "invalid body policy 'some': expected all, none or a number of bytes");
}

TEST_CASE("rotation produces files that each open on their own", "[capture][rotation]") {
    TempDir dir;
    auto options = complete();
    options.rotation.max_bytes = 256 * 1024;
    options.flush_interval = std::chrono::milliseconds(1);
    CaptureWriter writer(dir.file("rot.amqpcap"), options);
    writer.start_session({.id = 1, .client_address = "10.0.0.1:4000"});
    const amqp::Bytes body(4000, std::byte{'r'});
    constexpr int kFrames = 400;  // ~1.6 MB of bodies
    for (int i = 0; i < kFrames; ++i) {
        writer.record_frame(1, Direction::client_to_broker, amqp::FrameType::body, 1, body);
        if (i % 20 == 0) writer.flush();  // let the writer commit and check the size
    }
    writer.end_session(1);
    writer.close();
    const auto files = writer.files();
    REQUIRE(files.size() >= 3);
    CHECK(files[0] == dir.file("rot.0001.amqpcap"));
    CHECK(files[1] == dir.file("rot.0002.amqpcap"));
    std::uint64_t frames = 0;
    std::set<std::uint64_t> seqs;
    for (std::size_t i = 0; i < files.size(); ++i) {
        auto reader = CaptureReader::open(files[i]);
        REQUIRE(reader);
        CHECK(reader->meta().file_index == std::to_string(i + 1));
        const auto sessions = reader->sessions();
        REQUIRE(sessions.size() == 1);  // every file has the session's row
        CHECK(sessions[0].start.client_address == "10.0.0.1:4000");
        CHECK(sessions[0].frames == reader->totals().frames);
        frames += reader->totals().frames;
        reader->for_each({}, RecordOrder::session, [&](const Record& r) {
            seqs.insert(r.seq);
            return true;
        });
    }
    CHECK(frames == kFrames);
    CHECK(seqs.size() == kFrames);
    CHECK(*seqs.rbegin() == kFrames - 1);
}

TEST_CASE("overflow drops frames and records the gap, never blocking", "[capture][overflow]") {
    TempDir dir;
    const auto path = dir.file("o.amqpcap");
    WriterOptions options;  // drop is the default
    options.queue_capacity = 8;
    CaptureWriter writer(path, options);
    writer.start_session({.id = 3});
    const amqp::Bytes body(200, std::byte{'o'});
    std::uint64_t refused = 0;
    for (int i = 0; i < 20000; ++i) {
        if (!writer.record_frame(3, Direction::client_to_broker, amqp::FrameType::body, 1, body)) {
            ++refused;
        }
    }
    writer.end_session(3);
    writer.close();
    const auto stats = writer.stats();
    CHECK(stats.frames_submitted == 20000);
    CHECK(stats.frames_dropped == refused);
    CHECK(refused > 0);
    CHECK(stats.frames_committed + stats.frames_dropped == 20000);

    auto reader = CaptureReader::open(path).value();
    const auto totals = reader.totals();
    CHECK(totals.frames == stats.frames_committed);
    CHECK(totals.frames_lost == refused);
    CHECK(totals.gaps > 0);
    for (const auto& gap : reader.gaps()) {
        CHECK(gap.session == 3u);
        CHECK(gap.reason == GapReason::writer_overflow);
        CHECK(gap.bytes == gap.frames * 208);
    }
    CHECK(reader.sessions().at(0).frames_lost == refused);
    // Sequence numbers skip exactly the dropped frames.
    std::uint64_t last = 0;
    reader.for_each({}, RecordOrder::session, [&](const Record& r) {
        last = r.seq;
        return true;
    });
    CHECK(last <= 19999);
}

TEST_CASE("the queue is bounded in bytes too: large bodies drop before memory runs away",
          "[capture][overflow]") {
    TempDir dir;
    const auto path = dir.file("b.amqpcap");
    WriterOptions options;
    options.queue_bytes = 1 << 20;  // eight 128 KiB bodies
    CaptureWriter writer(path, options);
    writer.start_session({.id = 5});
    const amqp::Bytes body(128 * 1024, std::byte{'b'});
    std::uint64_t refused = 0;
    for (int i = 0; i < 400; ++i) {
        if (!writer.record_frame(5, Direction::client_to_broker, amqp::FrameType::body, 1, body)) {
            ++refused;
        }
    }
    writer.end_session(5);
    writer.close();
    // Far under the 65,536-frame capacity, yet the byte bound refused some.
    CHECK(refused > 0);
    CHECK(writer.stats().frames_committed + refused == 400);
    auto reader = CaptureReader::open(path).value();
    CHECK(reader.totals().frames_lost == refused);

    // A frame larger than the whole bound still goes through on its own.
    const auto big_path = dir.file("big.amqpcap");
    options.queue_bytes = 1024;
    CaptureWriter big(big_path, options);
    big.start_session({.id = 6});
    CHECK(big.record_frame(6, Direction::client_to_broker, amqp::FrameType::body, 1, body));
    big.end_session(6);
    big.close();
    CHECK(big.stats().frames_committed == 1);
}

TEST_CASE("opening what is not a readable capture is a clear error", "[capture][reader]") {
    TempDir dir;
    const auto check_error = [](const std::string& path, const std::string& expected) {
        const auto reader = CaptureReader::open(path);
        REQUIRE_FALSE(reader);
        INFO(reader.error().message);
        CHECK(reader.error().message.find(expected) != std::string::npos);
    };
    check_error(dir.file("missing.amqpcap"), "no such file");
    check_error(dir.path().string(), "is a directory");
    {
        std::ofstream(dir.file("text.amqpcap")) << "this is not a database, just some text\n"
                                                << std::string(5000, 'x');
    }
    check_error(dir.file("text.amqpcap"), "not an SQLite database");
    { std::ofstream(dir.file("empty.amqpcap")); }
    check_error(dir.file("empty.amqpcap"), "not an amqpprox capture");

    const auto newer = dir.file("newer.amqpcap");
    { CaptureWriter(newer, complete()).close(); }
    {
        Database db(newer, Database::Mode::read_write_create);
        db.exec("UPDATE meta SET value = '3.0' WHERE key = 'format_version'");
    }
    check_error(newer, "capture format 3.0 is newer than this build reads (2.x)");
    // Format 1 (per-row indexes) never reached production: refused, naming its version.
    const auto older = dir.file("older.amqpcap");
    { CaptureWriter(older, complete()).close(); }
    {
        Database db(older, Database::Mode::read_write_create);
        db.exec("UPDATE meta SET value = '1.0' WHERE key = 'format_version'");
    }
    check_error(older, "capture format 1.0 is no longer read by this build (it reads 2.x");

    // A capture cut short: an error or readable rows, never a crash.
    const auto whole = dir.file("whole.amqpcap");
    {
        CaptureWriter writer(whole, complete());
        write_pika_session(writer, 1);
    }
    const auto bytes = raw_file_bytes(whole);
    for (const auto cut :
         {bytes.size() / 2, bytes.size() / 3, std::size_t{4096}, std::size_t{100}}) {
        const auto path = dir.file("cut" + std::to_string(cut) + ".amqpcap");
        std::ofstream(path, std::ios::binary)
            .write(bytes.data(), static_cast<std::streamsize>(cut));
        try {
            if (auto reader = CaptureReader::open(path)) {
                reader->for_each({}, RecordOrder::session, [](const Record&) { return true; });
            }
        } catch (const SqliteError& e) {
            CHECK(std::string(e.what()).find(path) != std::string::npos);
        }
    }
    // Existing files are never overwritten.
    CHECK_THROWS_WITH(CaptureWriter(whole, complete()), Catch::Contains("capture file exists"));
}

TEST_CASE("time order merges chunks whose timestamps overlap, and keys span chunks", "[capture]") {
    // Several chunks (4096 frames each) with timestamps out of order within and across
    // them: the reader must still give exactly ORDER BY ts_ns, row, and key filters must
    // find every frame in every chunk.
    TempDir dir;
    const auto path = dir.file("jitter.amqpcap");
    constexpr std::size_t kFrames = 10'000;
    std::vector<std::int64_t> ts(kFrames);
    std::mt19937 random(7);
    {
        CaptureWriter writer(path, complete());
        const amqp::Bytes body(10, std::byte{'b'});
        for (std::size_t i = 0; i < kFrames; ++i) {
            // Mostly increasing, with some frames late by up to 5000 steps (over a chunk).
            ts[i] = 1'000'000 + static_cast<std::int64_t>(i) * 10 -
                    (i % 97 == 0 ? static_cast<std::int64_t>(random() % 50'000) : 0);
            writer.record_frame(SessionId{1 + i % 3}, Direction::client_to_broker,
                                amqp::FrameType::body, 1, body, ts[i]);
        }
    }
    auto reader = CaptureReader::open(path).value();
    std::vector<std::pair<std::int64_t, std::int64_t>> expected, got;
    for (std::size_t i = 0; i < kFrames; ++i)
        expected.emplace_back(ts[i], static_cast<std::int64_t>(i + 1));
    std::sort(expected.begin(), expected.end());
    auto cursor = reader.records({}, RecordOrder::time);
    while (const auto* r = cursor.next())
        got.emplace_back(r->ts_ns, cursor.row());
    CHECK(got == expected);

    std::vector<std::uint64_t> seqs;
    reader.for_each({.sessions = {2}}, RecordOrder::session, [&](const Record& r) {
        CHECK(r.session == 2);
        seqs.push_back(r.seq);
        return true;
    });
    CHECK(seqs.size() == (kFrames + 1) / 3);
    CHECK(std::is_sorted(seqs.begin(), seqs.end()));
    CHECK(reader.count({.sessions = {2}}) == seqs.size());
    CHECK(
        reader.count({.sessions = {2}, .from_ns = 1'050'000, .to_ns = 1'060'000}) ==
        static_cast<std::uint64_t>(std::count_if(ts.begin(), ts.end(), [&, i = 0](auto t) mutable {
            return (i++ % 3 == 1) && t >= 1'050'000 && t < 1'060'000;
        })));
    // Resuming in row order after a row in the middle of a chunk.
    std::int64_t first = 0;
    std::size_t after = 0;
    reader.for_each({.after_row = 5000}, RecordOrder::row, [&](const Record&) {
        ++after;
        return true;
    });
    auto resumed = reader.records({.after_row = 5000}, RecordOrder::row);
    if (resumed.next()) first = resumed.row();
    CHECK(first == 5001);
    CHECK(after == kFrames - 5000);
}

TEST_CASE("a batch of exactly 64 frames, then a session row, commits (ids checked per chunk)",
          "[capture]") {
    // Frames go in 64 to an INSERT; a batch of 64 has its session's row written after the
    // last frame INSERT, which once moved last_insert_rowid() and failed the id check.
    TempDir dir;
    const auto path = dir.file("sixty_four.amqpcap");
    const amqp::Bytes body(10, std::byte{'b'});
    {
        CaptureWriter writer(path, complete());
        for (SessionId id = 1; id <= 3; ++id) {
            writer.start_session({.id = id});
            for (int i = 0; i < 64; ++i) {
                writer.record_frame(id, Direction::client_to_broker, amqp::FrameType::body, 1,
                                    body);
            }
            writer.end_session(id);
            writer.flush();
            CHECK(writer.stats().error.empty());
        }
        CHECK(writer.stats().frames_committed == 3 * 64);
    }
    auto reader = CaptureReader::open(path).value();
    CHECK(reader.count({}) == 3 * 64);
    CHECK(reader.sessions().size() == 3);
}
