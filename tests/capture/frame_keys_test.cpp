// frame_keys, the per-chunk key index, is ordered by chunk first since format 2.1 (by key
// first in 2.0): a file being written, the same file closed, and its frame_keys rebuilt in
// 2.0's order must all give each filter exactly the same frames, and every frame of every
// chunk is listed under its session.
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "capture/reader.hpp"
#include "capture/sqlite.hpp"
#include "capture/writer.hpp"
#include "capture_test_support.hpp"
#include "formats/amqp/methods.hpp"

using namespace amqpprox;
using namespace amqpprox::capture;
using namespace amqpprox::capture::test;

namespace {

constexpr std::int64_t kT0 = 1'000'000'000;

// Ten pika sessions interleaved frame by frame, with a busy session's bodies between them:
// several chunks, each holding frames of every key kind.
void write_sessions(CaptureWriter& writer) {
    const auto frames = sample_frames("pika_session.conn1");
    const amqp::Bytes body(40, std::byte{'x'});
    std::int64_t t = kT0;
    for (SessionId s = 1; s <= 11; ++s)
        writer.start_session({.id = s, .start_ns = t});
    for (std::size_t i = 0; i < frames.size(); ++i) {
        for (SessionId s = 1; s <= 10; ++s) {
            const auto& f = frames[i];
            REQUIRE(writer.record_frame(s, f.direction, f.type, f.channel, f.payload, t += 1000));
        }
        for (int k = 0; k < 150; ++k) {
            REQUIRE(writer.record_frame(11, Direction::client_to_broker, amqp::FrameType::body, 1,
                                        body, t += 1000));
        }
        if (i % 20 == 19) writer.flush();  // commits of different sizes
    }
    writer.flush();
}

// What each filter selects, in every order, with its count.
std::vector<std::vector<std::int64_t>> select_all(const std::string& path) {
    auto reader = CaptureReader::open(path).value();
    const std::vector<RecordFilter> filters = {
        {},
        {.sessions = {3}},
        {.sessions = {3, 11}, .from_ns = kT0 + 2'000'000, .to_ns = kT0 + 9'000'000},
        {.vhost = "/"},
        {.channel = 2},
        {.methods = {amqp::BasicDeliver::id.key(), amqp::BasicAck::id.key()}},
        {.exchange = "golden.direct"},
        {.routing_key = "rk.q1"},
        {.queue = "golden.q1"},
        {.sessions = {4}, .exchange = "golden.direct"},
        {.after_row = 5000},
    };
    std::vector<std::vector<std::int64_t>> out;
    for (const auto& filter : filters) {
        for (const auto order : {RecordOrder::session, RecordOrder::time, RecordOrder::row}) {
            auto& rows = out.emplace_back();
            auto cursor = reader.records(filter, order);
            while (cursor.next())
                rows.push_back(cursor.row());
            CHECK(reader.count(filter) == rows.size());
        }
    }
    return out;
}

// Equal selections, filter by filter (Catch would print whole selections).
void check_same(const std::vector<std::vector<std::int64_t>>& got,
                const std::vector<std::vector<std::int64_t>>& expected) {
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("filter " << i / 3 << ", order " << i % 3);
        CHECK(got[i].size() == expected[i].size());
        CHECK((got[i] == expected[i]));
    }
}

}  // namespace

TEST_CASE("key lookups give the same frames live, closed, and in format 2.0's key order",
          "[capture][keys]") {
    TempDir dir;
    const auto path = dir.file("k.amqpcap");
    std::vector<std::vector<std::int64_t>> live;
    {
        CaptureWriter writer(path, {.overflow = OverflowPolicy::block});
        write_sessions(writer);
        live = select_all(path);  // committed, the writer still open
    }
    const auto closed = select_all(path);
    check_same(live, closed);
    CHECK(closed[0].size() == sample_frames("pika_session.conn1").size() * (10 + 150));
    CHECK_FALSE(closed[6 * 3].empty());  // filter 6, the exchange, found the publishes
    {
        Database db(path, Database::Mode::read_only);
        auto covered = db.prepare(
            "SELECT (SELECT count(*) FROM chunks), (SELECT count(*) FROM frames), "
            "(SELECT count(*) FROM keyed_frames WHERE kind = 'session')");
        REQUIRE(covered.step());
        CHECK(covered.integer(0) >= 4);
        CHECK(covered.integer(2) == covered.integer(1));
    }

    const auto old_order = dir.file("v2.0.amqpcap");
    std::filesystem::copy_file(path, old_order);
    {
        Database db(old_order, Database::Mode::read_write_create);
        auto view = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'keyed_frames'");
        REQUIRE(view.step());
        const auto view_sql = view.text(0);
        view.reset();
        db.exec(
            "DROP VIEW keyed_frames;"
            "CREATE TABLE keys_by_key (kind TEXT NOT NULL, value NOT NULL, chunk INTEGER NOT "
            "NULL, frames TEXT NOT NULL, PRIMARY KEY (kind, value, chunk)) WITHOUT ROWID;"
            "INSERT INTO keys_by_key SELECT kind, value, chunk, frames FROM frame_keys;"
            "DROP TABLE frame_keys;"
            "ALTER TABLE keys_by_key RENAME TO frame_keys;"
            "UPDATE meta SET value = '2.0' WHERE key = 'format_version'");
        db.exec(view_sql.c_str());
    }
    check_same(select_all(old_order), closed);
}
