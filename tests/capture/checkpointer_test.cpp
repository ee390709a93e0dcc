// The checkpointer copies a live file's log into it on its own thread, and the log starts
// over instead of growing with the file, also while a reader holds part of it.
#include "capture/checkpointer.hpp"

#include <filesystem>

#include <catch2/catch.hpp>

#include "capture/sqlite.hpp"
#include "capture_test_support.hpp"

using namespace amqpprox::capture;

namespace {

constexpr int kPage = 4096;

std::uintmax_t size_of(const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return ec ? 0 : size;
}

// Commits `n` transactions of 16 pages of new rows each.
void write_batches(Database& db, Statement& insert, int n) {
    const amqpprox::amqp::Bytes blob(kPage - 200, std::byte{'c'});
    for (int i = 0; i < n; ++i) {
        db.exec("BEGIN");
        for (int row = 0; row < 16; ++row)
            insert.bind(1, amqpprox::amqp::ByteView(blob)).run();
        db.exec("COMMIT");
    }
}

Database open_wal(const std::string& path) {
    Database db(path, Database::Mode::read_write_create);
    db.exec(("PRAGMA page_size = " + std::to_string(kPage)).c_str());
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)");
    return db;
}

}  // namespace

TEST_CASE("the checkpointer copies the log into the file and starts it over",
          "[capture][checkpoint]") {
    amqpprox::capture::test::TempDir dir;
    const auto path = (dir.path() / "c.db").string();
    auto db = open_wal(path);
    auto insert = db.prepare("INSERT INTO t(b) VALUES (?)");
    {
        // Background checkpoints from 32 pages of log on; the log starts over every 128.
        Checkpointer checkpointer(db, path, 32, 128);
        for (int round = 0; round < 20; ++round) {
            checkpointer.before_transaction();
            write_batches(db, insert, 1);
        }
        // 20 x 16 pages were written; without a restart the log would hold them all.
        for (int round = 0; round < 60; ++round) {
            checkpointer.before_transaction();
            write_batches(db, insert, 1);
        }
        CHECK(checkpointer.error().empty());
        // The log never grows much past a restart's worth (a commit's pages may come in
        // while the last checkpoint runs), and the file holds the copied pages.
        CHECK(size_of(path + "-wal") <= std::uintmax_t{(128 + 3 * 17) * (kPage + 24)});
        CHECK(size_of(path) >= std::uintmax_t{40 * 16 * kPage});
    }
    auto count = db.prepare("SELECT count(*) FROM t");
    REQUIRE(count.step());
    CHECK(count.integer(0) == 80 * 16);
}

TEST_CASE("a reader holding the log does not make the writer wait at every transaction",
          "[capture][checkpoint]") {
    amqpprox::capture::test::TempDir dir;
    const auto path = (dir.path() / "r.db").string();
    auto db = open_wal(path);
    auto insert = db.prepare("INSERT INTO t(b) VALUES (?)");
    write_batches(db, insert, 1);
    Checkpointer checkpointer(db, path, 32, 128);
    // A reader's snapshot pins the log: it cannot start over while the reader is open.
    Database reader(path, Database::Mode::read_only);
    reader.exec("BEGIN");
    auto read = reader.prepare("SELECT count(*) FROM t");
    REQUIRE(read.step());
    CHECK(read.integer(0) == 16);
    for (int round = 0; round < 40; ++round) {
        checkpointer.before_transaction();
        write_batches(db, insert, 1);
    }
    // The log grew past the restart size, and writing went on.
    CHECK(size_of(path + "-wal") > std::uintmax_t{128 * kPage});
    read.reset();
    reader.exec("COMMIT");
    // Released, the log starts over within a restart's worth of commits.
    for (int round = 0; round < 20; ++round) {
        checkpointer.before_transaction();
        write_batches(db, insert, 1);
    }
    auto frames = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
    REQUIRE(frames.step());
    CHECK(frames.integer(1) < 128 + 3 * 17);  // pages in the log now
    CHECK(checkpointer.error().empty());
}
