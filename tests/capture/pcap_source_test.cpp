// capture/pcap_source on the real captures in samples/: the frames a pcap gives are the
// frames of the same connection's extracted byte streams, whatever the link type or file
// format; lost, reordered and mid-stream captures give gaps, not garbage.
#include "capture/pcap_source.hpp"

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "capture/reader.hpp"
#include "capture/sqlite.hpp"
#include "capture_test_support.hpp"

using namespace amqpprox;
using namespace amqpprox::capture;

namespace {

struct Imported {
    PcapImportStats stats;
    std::vector<SessionRow> sessions;
    std::vector<test::SampleFrame> frames;  // in session order
    std::vector<Gap> gaps;
};

Imported import(const test::TempDir& dir, const std::string& pcap,
                const PcapImportOptions& options = {}) {
    static int imports = 0;
    const auto path = dir.file(std::filesystem::path(pcap).filename().string() + "." +
                               std::to_string(++imports) + ".amqpcap");
    WriterOptions writer_options;
    writer_options.overflow = OverflowPolicy::block;
    writer_options.redact_credentials = false;  // compared byte for byte with the streams
    Imported out;
    {
        CaptureWriter writer(path, writer_options);
        auto stats = import_pcap(pcap, writer, options);
        REQUIRE(stats);
        out.stats = *stats;
        writer.close();
    }
    auto reader = CaptureReader::open(path);
    REQUIRE(reader);
    out.sessions = reader->sessions();
    auto cursor = reader->records({}, RecordOrder::session);
    while (const auto* r = cursor.next())
        out.frames.push_back({r->direction, r->type, r->channel, r->payload});
    out.gaps = reader->gaps();
    return out;
}

std::string sample(const std::string& name) {
    return (std::filesystem::path(AMQPPROX_SAMPLES_DIR) / name).string();
}

// One direction's frames, in order.
std::vector<test::SampleFrame> direction(const std::vector<test::SampleFrame>& frames,
                                         Direction d) {
    std::vector<test::SampleFrame> out;
    for (const auto& f : frames)
        if (f.direction == d) out.push_back(f);
    return out;
}

bool same(const std::vector<test::SampleFrame>& a, const std::vector<test::SampleFrame>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].direction != b[i].direction || a[i].type != b[i].type ||
            a[i].channel != b[i].channel || a[i].payload != b[i].payload)
            return false;
    }
    return true;
}

}  // namespace

TEST_CASE("pcap source: a pcap gives the frames of its extracted streams", "[pcap_source]") {
    test::TempDir dir;
    const auto got = import(dir, sample("amqp/pika_session.pcap"));
    CHECK(got.stats.connections == 1);
    CHECK(got.stats.sessions == 1);
    CHECK(got.stats.gaps == 0);
    CHECK(got.gaps.empty());
    REQUIRE(got.sessions.size() == 1);
    CHECK(got.sessions[0].vhost == "/");
    CHECK(got.sessions[0].user == "guest");
    CHECK(got.sessions[0].start.backend_address == "127.0.0.1:5720");  // the golden broker
    const auto expected = test::sample_frames("pika_session.conn1");
    for (const auto d : {Direction::client_to_broker, Direction::broker_to_client})
        CHECK(same(direction(got.frames, d), direction(expected, d)));
    CHECK(got.frames.front().type == amqp::FrameType::protocol_header);
}

TEST_CASE("pcap source: link types and file formats give the same session", "[pcap_source]") {
    test::TempDir dir;
    const auto lo = import(dir, sample("pcap/pika_lo.pcap"));
    REQUIRE(lo.sessions.size() == 1);
    CHECK(lo.frames.size() == 46);
    for (const auto* name : {"pcap/pika_any.pcap", "pcap/pika_lo.pcapng", "pcap/pika_lo.pcap.gz",
                             "pcap/pika_reorder.pcap"}) {
        INFO(name);
        const auto other = import(dir, sample(name));
        CHECK(other.stats.gaps == 0);
        CHECK(same(other.frames, lo.frames));
    }
}

TEST_CASE("pcap source: lost bytes are a gap, the rest is found again", "[pcap_source]") {
    test::TempDir dir;
    const auto lo = import(dir, sample("pcap/pika_lo.pcap"));
    const auto loss = import(dir, sample("pcap/pika_loss.pcap"));
    REQUIRE(loss.gaps.size() == 1);
    CHECK(loss.gaps[0].bytes == 36);
    CHECK(loss.gaps[0].reason == GapReason::missing_bytes);
    CHECK(loss.gaps[0].session == 1);
    // One frame fewer, every other one as in the whole capture.
    CHECK(loss.frames.size() == lo.frames.size() - 1);
}

TEST_CASE("pcap source: a capture started mid-connection needs the port", "[pcap_source]") {
    test::TempDir dir;
    const auto unknown = import(dir, sample("pcap/pika_midstream.pcap"));
    CHECK(unknown.stats.connections == 1);
    CHECK(unknown.stats.sessions == 0);  // no protocol header, not an AMQP port

    const auto lo = import(dir, sample("pcap/pika_lo.pcap"));
    const auto mid = import(dir, sample("pcap/pika_midstream.pcap"), {.ports = {5797}});
    REQUIRE(mid.sessions.size() == 1);
    CHECK(mid.sessions[0].start.backend_address == "127.0.0.1:5797");  // the port's side
    // Each direction picks up at a frame boundary: its frames are a tail of the whole one's.
    for (const auto d : {Direction::client_to_broker, Direction::broker_to_client}) {
        const auto whole = direction(lo.frames, d);
        const auto tail = direction(mid.frames, d);
        REQUIRE_FALSE(tail.empty());
        REQUIRE(tail.size() < whole.size());
        CHECK(same(tail, std::vector<test::SampleFrame>(
                             whole.end() - static_cast<std::ptrdiff_t>(tail.size()), whole.end())));
    }
}

TEST_CASE("pcap source: damaged files give an error or a report, never a crash", "[pcap_source]") {
    test::TempDir dir;
    const auto bytes = test::read_bytes(sample("pcap/pika_lo.pcap"));
    SECTION("cut short") {
        for (std::size_t cut = 24; cut < bytes.size(); cut += 97) {
            const auto path = dir.file("cut.pcap");
            std::ofstream(path, std::ios::binary | std::ios::trunc)
                .write(reinterpret_cast<const char*>(bytes.data()),
                       static_cast<std::streamsize>(cut));
            CaptureWriter writer(dir.file("cut" + std::to_string(cut) + ".amqpcap"));
            auto stats = import_pcap(path, writer);
            REQUIRE(stats);
            CHECK(stats->sessions <= 1);
        }
    }
    SECTION("not a capture") {
        const auto path = dir.file("junk.pcap");
        std::ofstream(path) << "this is not a packet capture";
        CaptureWriter writer(dir.file("junk.amqpcap"));
        auto stats = import_pcap(path, writer);
        REQUIRE_FALSE(stats);
        CHECK_THAT(stats.error(), Catch::Contains("junk.pcap"));
        CHECK_FALSE(looks_like_packet_capture(path));
        CHECK(looks_like_packet_capture(sample("pcap/pika_lo.pcapng")));
        CHECK(looks_like_packet_capture(sample("pcap/pika_lo.pcap.gz")));
    }
}

TEST_CASE("an import is written under a name of its own and renamed when complete",
          "[capture][pcap][import]") {
    test::TempDir dir;
    const auto out = dir.file("imported.amqpcap");
    const auto stats = import_pcap_file(sample("pcap/pika_lo.pcap"), out);
    REQUIRE(stats);
    CHECK(stats->sessions == 1);
    CHECK(std::filesystem::exists(out));
    CHECK_FALSE(std::filesystem::exists(out + ".partial"));
    auto reader = CaptureReader::open(out);
    REQUIRE(reader);
    CHECK(reader->totals().frames == stats->frames);

    // An existing capture is never overwritten; a failed import leaves nothing behind.
    CHECK_THROWS_AS(import_pcap_file(sample("pcap/pika_lo.pcap"), out), SqliteError);
    const auto failed = dir.file("failed.amqpcap");
    CHECK_FALSE(import_pcap_file(dir.file("no-such.pcap"), failed));
    CHECK_FALSE(std::filesystem::exists(failed));
    CHECK_FALSE(std::filesystem::exists(failed + ".partial"));
}
