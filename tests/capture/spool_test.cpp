// The spool: a busy writer keeps its batches whole and writes their rows once traffic is
// quiet (or when asked to flush); what a killed writer left is recovered; a damaged batch
// is an error, never a crash.
#include <thread>

#include <catch2/catch.hpp>

#include "capture/batch.hpp"
#include "capture/file_store.hpp"
#include "capture/reader.hpp"
#include "capture/spool_codec.hpp"
#include "capture/spool_file.hpp"
#include "capture/spool_recovery.hpp"
#include "capture/sqlite.hpp"
#include "capture/writer.hpp"
#include "capture_test_support.hpp"
#include "formats/amqp/methods.hpp"

using namespace amqpprox;
using namespace amqpprox::capture;
using namespace amqpprox::capture::test;

namespace {

constexpr const char* kPassword = "Sp00led-Passw0rd";
// Shorter than "[redacted]": the stored payload is longer than the frame on the wire.
constexpr const char* kShortPassword = "Xq7#pw";

// A writer that spools whenever it can: its small queue wakes it every 64 frames, so a
// producer in a tight loop keeps it busy.
WriterOptions spooling() {
    WriterOptions options;
    options.overflow = OverflowPolicy::block;
    options.queue_capacity = 256;
    return options;
}

amqp::Bytes method_payload(const amqp::Method& method) {
    amqp::Bytes payload;
    REQUIRE(std::visit([&](const auto& m) { return amqp::encode_method(m, payload); }, method));
    return payload;
}

// Session 2 logs in as bob with kShortPassword, in the middle of session 1's traffic (so in a
// batch that is spooled), and closes.
void log_in_midway(CaptureWriter& writer) {
    writer.start_session({.id = 2, .client_address = "127.0.0.1:40001"});
    const auto start_ok = method_payload(amqp::ConnectionStartOk{
        .mechanism = "PLAIN", .response = std::string("\0bob\0", 5) + kShortPassword});
    REQUIRE(
        writer.record_frame(2, Direction::client_to_broker, amqp::FrameType::method, 0, start_ok));
    writer.end_session(2, 0, ClosedBy::client);
}

// Session 1 logs in (PLAIN, with kPassword) and publishes `messages` messages to "orders",
// each a Basic.Publish and a body frame that holds its number; the session then ends.
// Halfway, session 2 logs in and out (log_in_midway).
void publish(CaptureWriter& writer, int messages) {
    writer.start_session({.id = 1, .client_address = "127.0.0.1:40000"});
    writer.set_backend(1, "rabbit", "127.0.0.1:5672", false);
    const auto start_ok = method_payload(amqp::ConnectionStartOk{
        .mechanism = "PLAIN", .response = std::string("\0alice\0", 7) + kPassword});
    REQUIRE(
        writer.record_frame(1, Direction::client_to_broker, amqp::FrameType::method, 0, start_ok));
    const auto publish =
        method_payload(amqp::BasicPublish{.exchange = "orders", .routing_key = "new"});
    for (int i = 0; i < messages; ++i) {
        if (i == messages / 2) log_in_midway(writer);
        REQUIRE(writer.record_frame(1, Direction::client_to_broker, amqp::FrameType::method, 1,
                                    publish));
        const auto body = std::to_string(i);
        REQUIRE(writer.record_frame(1, Direction::client_to_broker, amqp::FrameType::body, 1,
                                    amqp::as_bytes(body)));
    }
    writer.end_session(1, 0, ClosedBy::client);
}

// Every message of publish(), in order and whole, with the sessions' rows complete.
void check_published(const CaptureReader& reader, int messages) {
    CHECK(reader.spooled_frames() == 0);
    const auto totals = reader.totals();
    CHECK(totals.frames == 2 + 2 * static_cast<std::uint64_t>(messages));
    const auto sessions = reader.sessions();
    REQUIRE(sessions.size() == 2);
    CHECK(sessions[1].user == "bob");
    CHECK(sessions[1].frames == 1);
    CHECK(sessions[0].user == "alice");
    CHECK(sessions[0].start.backend == "rabbit");
    CHECK(sessions[0].frames == totals.frames - 1);
    CHECK(sessions[0].end_ns.has_value());
    std::uint64_t seq = 0;
    int body = 0;
    reader.for_each({.sessions = {1}}, RecordOrder::session, [&](const Record& r) {
        CHECK(r.seq == seq++);
        if (r.type == amqp::FrameType::body) {
            CHECK(std::string(amqp::as_chars(r.payload)) == std::to_string(body++));
        } else if (r.seq > 0) {
            CHECK(r.exchange == "orders");
        }
        return true;
    });
    CHECK(body == messages);
    // The index finds them too.
    CHECK(reader.count({.exchange = "orders"}) == static_cast<std::uint64_t>(messages));
}

struct FrameText {
    SessionId session;
    std::uint64_t seq;
    std::int64_t ts_ns;
    Direction direction;
    std::uint16_t channel;
    amqp::FrameType type;
    std::optional<std::uint32_t> method;
    std::uint32_t size;
    std::string payload;
    std::optional<std::string> exchange, routing_key, queue, consumer_tag;
    std::optional<std::uint64_t> delivery_tag;
    bool operator==(const FrameText&) const = default;
};

std::optional<std::string> owned(const std::optional<std::string_view>& view) {
    return view ? std::optional<std::string>(*view) : std::nullopt;
}

std::vector<FrameText> frames_of(const Batch& batch) {
    std::vector<FrameText> out;
    for (const auto& f : batch.frames) {
        out.push_back({f.session, f.seq, f.ts_ns, f.direction, f.channel, f.type, f.method, f.size,
                       std::string(amqp::as_chars(f.payload)), owned(f.exchange),
                       owned(f.routing_key), owned(f.queue), owned(f.consumer_tag),
                       f.delivery_tag});
    }
    return out;
}

// A batch with every kind of frame column and event.
Batch sample_batch() {
    static const std::string payloads[] = {"publish-args", "hello body", ""};
    Batch batch;
    FrameRow publish{.session = 3,
                     .seq = 10,
                     .ts_ns = 1'763'800'000'000'000'000,
                     .method = 0x003C0028,
                     .size = 5,  // shorter than stored, as when redaction lengthened it
                     .channel = 1,
                     .direction = Direction::client_to_broker,
                     .type = amqp::FrameType::method,
                     .payload = amqp::as_bytes(payloads[0]),
                     .exchange = "orders",
                     .routing_key = ""};
    FrameRow body{.session = 3,
                  .seq = 11,
                  .ts_ns = 1'763'800'000'000'000'001,
                  .size = 4000,  // cut to the body policy
                  .channel = 1,
                  .direction = Direction::client_to_broker,
                  .type = amqp::FrameType::body,
                  .payload = amqp::as_bytes(payloads[1])};
    FrameRow deliver{.session = 4,
                     .seq = 0,
                     .ts_ns = 1'763'800'000'000'000'002,
                     .method = 0x003C003C,
                     .size = 0,
                     .channel = 65535,
                     .direction = Direction::broker_to_client,
                     .type = amqp::FrameType::method,
                     .payload = amqp::as_bytes(payloads[2]),
                     .queue = "q",
                     .consumer_tag = "ctag-1",
                     .delivery_tag = 1ull << 40};
    batch.frames = {publish, body, deliver};
    batch.events.emplace_back(0, SessionStart{.id = 4,
                                              .start_ns = 5,
                                              .client_address = "[::1]:5000",
                                              .proxy_address = "127.0.0.1:5672",
                                              .client_tls = true});
    batch.events.emplace_back(0, BackendChosen{4, "rabbit", "10.0.0.1:5671", true});
    batch.events.emplace_back(
        2, Gap{std::nullopt, 7, Direction::broker_to_client, 2, 300, GapReason::missing_bytes});
    batch.events.emplace_back(3, FlushRequest{});  // never spooled
    batch.events.emplace_back(3, SessionEnd{3, 99, ClosedBy::broker});
    batch.dropped[3] = Dropped{8, 2, 40};
    return batch;
}

}  // namespace

TEST_CASE("a spooled batch reads back as it was written", "[capture][spool]") {
    const auto batch = sample_batch();
    amqp::Bytes blob;
    encode_batch(batch, blob);
    Batch back;
    back.frames.resize(5);  // decoding replaces what was there
    REQUIRE(decode_batch(blob, back));
    CHECK(frames_of(back) == frames_of(batch));
    REQUIRE(back.events.size() == 4);  // all but the flush request
    CHECK(back.events[0].first == 0);
    CHECK(std::get<SessionStart>(back.events[0].second) ==
          std::get<SessionStart>(batch.events[0].second));
    CHECK(std::get<BackendChosen>(back.events[1].second) ==
          std::get<BackendChosen>(batch.events[1].second));
    const auto& gap = std::get<Gap>(back.events[2].second);
    CHECK(back.events[2].first == 2);
    CHECK_FALSE(gap.session);
    CHECK(gap.direction == Direction::broker_to_client);
    CHECK(gap.bytes == 300);
    CHECK(gap.reason == GapReason::missing_bytes);
    CHECK(std::get<SessionEnd>(back.events[3].second) == SessionEnd{3, 99, ClosedBy::broker});
    REQUIRE(back.dropped.size() == 1);
    CHECK(back.dropped.at(3).first_ts_ns == 8);
    CHECK(back.dropped.at(3).frames == 2);
    CHECK(back.dropped.at(3).bytes == 40);
}

TEST_CASE("a truncated or damaged spooled batch is an error, not a crash", "[capture][spool]") {
    amqp::Bytes blob;
    encode_batch(sample_batch(), blob);
    Batch back;
    for (std::size_t size = 0; size < blob.size(); ++size) {
        INFO("cut to " << size << " of " << blob.size() << " bytes");
        CHECK_FALSE(decode_batch(amqp::ByteView(blob).first(size), back));
    }
    auto longer = blob;
    longer.push_back(std::byte{0});
    CHECK_FALSE(decode_batch(longer, back));

    auto other = blob;
    other[0] = std::byte{'X'};
    CHECK(decode_batch(other, back).error() == "not a spooled batch");
    other = blob;
    other[4] = std::byte{9};
    CHECK(decode_batch(other, back).error() == "spooled batch of layout 9 (this build reads 1)");
    // A frame count far beyond the blob is refused before anything is reserved for it.
    other = blob;
    other[5] = other[6] = std::byte{0xff};
    CHECK(decode_batch(other, back).error().find("frame count beyond the blob") !=
          std::string::npos);
    // Every single-byte change either decodes or is refused.
    for (std::size_t i = 0; i < blob.size(); ++i) {
        auto changed = blob;
        changed[i] ^= std::byte{0x5a};
        (void)decode_batch(changed, back);
    }
}

TEST_CASE("a busy writer spools, and flush writes every spooled frame as rows, in order",
          "[capture][spool]") {
    TempDir dir;
    const auto path = dir.file("busy.amqpcap");
    constexpr int kMessages = 20000;
    {
        CaptureWriter writer(path, spooling());
        publish(writer, kMessages);
        writer.flush();
        const auto stats = writer.stats();
        CHECK(stats.batches_spooled > 0);
        CHECK(stats.frames_spooled == 0);
        CHECK(stats.frames_committed == 2 + 2 * kMessages);
        CHECK(stats.frames_dropped == 0);
        check_published(CaptureReader::open(path).value(), kMessages);
        writer.close();
    }
    check_published(CaptureReader::open(path).value(), kMessages);
    // Spooled batches are redacted before they are spooled: no page of the file, used or
    // free, holds the password.
    const auto raw = raw_file_bytes(path);
    CHECK(raw.find(kPassword) == std::string::npos);
    CHECK(raw.find(kShortPassword) == std::string::npos);
}

TEST_CASE("spooled frames become rows unasked once the host is quiet", "[capture][spool]") {
    TempDir dir;
    const auto path = dir.file("quiet.amqpcap");
    // Once the host has a CPU to spare, or (a host busy with other tests) after spool_age.
    auto options = spooling();
    options.spool_age = std::chrono::seconds(2);
    CaptureWriter writer(path, options);
    publish(writer, 5000);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while ((writer.stats().frames_committed < 10002 || writer.stats().frames_spooled > 0) &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(writer.stats().batches_spooled > 0);
    CHECK(writer.stats().frames_spooled == 0);
    check_published(CaptureReader::open(path).value(), 5000);
}

TEST_CASE("with spooling off, rows are written as batches arrive", "[capture][spool]") {
    TempDir dir;
    const auto path = dir.file("rows.amqpcap");
    auto options = spooling();
    options.spool_age = std::chrono::seconds(0);
    CaptureWriter writer(path, options);
    publish(writer, 5000);
    writer.close();
    CHECK(writer.stats().batches_spooled == 0);
    check_published(CaptureReader::open(path).value(), 5000);
}

TEST_CASE("a spool file that passes its byte limit has its batches written as rows",
          "[capture][spool]") {
    TempDir dir;
    const auto path = dir.file("small.amqpcap");
    auto options = spooling();
    options.spool_bytes = 64 << 10;
    CaptureWriter writer(path, options);
    publish(writer, 20000);
    // The producer is done; whatever stays spooled is under the limit, and so is the file:
    // it does not keep growing while traffic never lets the spool empty.
    CHECK(writer.stats().frames_spooled * 20 < options.spool_bytes);
    std::error_code ec;
    const auto file = std::filesystem::file_size(spool_file_name(path), ec);
    CHECK((ec || file < options.spool_bytes + (64 << 10)));
    writer.close();
    check_published(CaptureReader::open(path).value(), 20000);
}

TEST_CASE("recovery refuses a capture that a writer still has open", "[capture][spool]") {
    TempDir dir;
    const auto path = dir.file("open.amqpcap");
    CaptureWriter writer(path, spooling());
    CHECK_THROWS_WITH(FileStore(path, FileStore::Reopen{}),
                      Catch::Contains("a running amqpprox is writing this capture"));
    writer.close();
    CHECK_NOTHROW(FileStore(path, FileStore::Reopen{}));
    const auto nothing = recover_spool(path);
    REQUIRE(nothing);
    CHECK(nothing->batches == 0);
}

TEST_CASE("recovery stops at a damaged spooled batch and says which", "[capture][spool]") {
    TempDir dir;
    const auto path = dir.file("damaged.amqpcap");
    {
        CaptureWriter writer(path, spooling());
        writer.close();
    }
    CHECK_FALSE(std::filesystem::exists(spool_file_name(path)));  // nothing was left spooled
    {
        SpoolFile spool(spool_file_name(path));
        const amqp::Bytes cut{std::byte{0x41}, std::byte{0x51}, std::byte{0x53}, std::byte{0x50},
                              std::byte{0x01}, std::byte{0},    std::byte{0}};
        spool.append(7, 3, cut);
    }  // closed with a batch in it: kept
    CHECK(CaptureReader::open(path).value().spooled_frames() == 3);
    const auto recovered = recover_spool(path);
    REQUIRE_FALSE(recovered);
    CHECK_THAT(recovered.error(),
               Catch::Contains("spooled batch 7") && Catch::Contains("truncated"));
    CHECK(recover_spool(dir.file("missing.amqpcap")).error().find("missing.amqpcap") !=
          std::string::npos);
}

TEST_CASE("a spool record that a crash cut short is dropped, and said so", "[capture][spool]") {
    TempDir dir;
    const auto path = dir.file("cut.amqpcap");
    {
        CaptureWriter writer(path, spooling());
        writer.close();
    }
    amqp::Bytes blob;
    encode_batch(sample_batch(), blob);
    {
        SpoolFile spool(spool_file_name(path));
        spool.append(1, 3, blob);
        spool.append(2, 3, blob);
    }
    // The second record loses its last bytes.
    std::filesystem::resize_file(spool_file_name(path),
                                 std::filesystem::file_size(spool_file_name(path)) - 5);
    const auto scan = scan_spool_file(spool_file_name(path), 0);
    CHECK(scan.entries.size() == 1);
    CHECK(scan.cut_bytes == 20 + blob.size() - 5);
    const auto recovered = recover_spool(path);
    REQUIRE(recovered);
    CHECK(recovered->batches == 1);
    CHECK(recovered->frames == 3);
    CHECK(recovered->cut_bytes == scan.cut_bytes);
    const auto reader = CaptureReader::open(path).value();
    CHECK(reader.totals().frames == 3);
    CHECK(reader.spooled_frames() == 0);
    CHECK_FALSE(std::filesystem::exists(spool_file_name(path)));
    // Recovering again finds nothing to do.
    CHECK(recover_spool(path).value().batches == 0);
}

TEST_CASE("a file that is not a spool is refused", "[capture][spool]") {
    TempDir dir;
    const auto path = dir.file("other.amqpcap");
    {
        CaptureWriter writer(path, spooling());
        writer.close();
    }
    { std::ofstream(spool_file_name(path)) << "this is not a spool, but it is long enough"; }
    CHECK_THROWS_WITH(CaptureReader::open(path).value().spooled_frames(),
                      Catch::Contains("not a capture spool"));
    CHECK_THAT(recover_spool(path).error(), Catch::Contains("not a capture spool"));
}
