// The checkpointer copies a live file's log into it on its own thread, and the log starts
// over instead of growing with the file; a reader that holds the log only delays that.
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

const amqpprox::amqp::Bytes kRow(kPage - 200, std::byte{'c'});  // a page each

// A WAL-mode database of 4 KiB pages, its writer's checkpointer, and the writer's loop.
struct LiveFile {
    amqpprox::capture::test::TempDir dir;
    std::string path = (dir.path() / "c.db").string();
    Database db = open_wal(path);
    Statement insert = db.prepare("INSERT INTO t(b) VALUES (?)");
    // Background checkpoints from 32 pages of log on; the log starts over every 128.
    Checkpointer checkpointer{db, path, 32, 128};

    static Database open_wal(const std::string& path) {
        Database db(path, Database::Mode::read_write_create);
        db.exec(("PRAGMA page_size = " + std::to_string(kPage)).c_str());
        db.exec("PRAGMA journal_mode = WAL");
        db.exec("PRAGMA synchronous = NORMAL");
        db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)");
        return db;
    }
    // `n` transactions of 16 new pages each, as the capture writer runs them.
    void write(int n) {
        for (int i = 0; i < n; ++i) {
            checkpointer.before_transaction();
            db.exec("BEGIN");
            for (int row = 0; row < 16; ++row)
                insert.bind(1, amqpprox::amqp::ByteView(kRow)).run();
            db.exec("COMMIT");
        }
    }
    std::int64_t rows() {
        auto count = db.prepare("SELECT count(*) FROM t");
        count.step();
        return count.integer(0);
    }
};

// Most a log may hold: a restart's worth, and the pages of commits made while the last
// checkpoint ran.
constexpr std::uintmax_t kMostLogPages = 128 + 3 * 17;

}  // namespace

TEST_CASE("the checkpointer copies the log into the file and starts it over",
          "[capture][checkpoint]") {
    LiveFile f;
    f.write(80);  // 1,280 pages: without a restart the log would hold them all
    CHECK(f.checkpointer.error().empty());
    CHECK(size_of(f.path + "-wal") <= kMostLogPages * (kPage + 24));
    CHECK(size_of(f.path) >= std::uintmax_t{40 * 16 * kPage});  // the copied pages
    CHECK(f.rows() == 80 * 16);
}

TEST_CASE(
    "a reader holding the log lets writing go on, and the log starts over once it is "
    "released",
    "[capture][checkpoint]") {
    LiveFile f;
    f.write(1);
    // A reader's snapshot pins the log: it cannot start over while the reader is open.
    Database reader(f.path, Database::Mode::read_only);
    reader.exec("BEGIN");
    auto read = reader.prepare("SELECT count(*) FROM t");
    REQUIRE(read.step());
    CHECK(read.integer(0) == 16);
    f.write(40);
    CHECK(size_of(f.path + "-wal") > std::uintmax_t{128 * kPage});
    CHECK(f.rows() == 41 * 16);
    read.reset();
    reader.exec("COMMIT");
    f.write(20);
    auto log = f.db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
    REQUIRE(log.step());
    CHECK(static_cast<std::uintmax_t>(log.integer(1)) < kMostLogPages);  // pages in it now
    CHECK(f.checkpointer.error().empty());
}
