// Crash safety: a writer killed with SIGKILL mid-stream leaves a file that passes SQLite's
// integrity check, opens as a capture, and holds every batch the writer reported committed:
// as rows, or spooled (it was busy) until `amqp-analyze recover` writes them as rows.
#include <thread>

#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/reader.hpp"
#include "capture/spool_recovery.hpp"
#include "capture/sqlite.hpp"
#include "capture/writer.hpp"
#include "capture_test_support.hpp"

using namespace amqpprox;
using namespace amqpprox::capture;

namespace {

[[noreturn]] void write_until_killed(const std::string& path, int report_fd) {
    try {
        WriterOptions options;
        options.overflow = OverflowPolicy::block;
        options.flush_interval = std::chrono::milliseconds(5);
        options.on_commit = [report_fd](std::uint64_t committed) {
            if (write(report_fd, &committed, sizeof committed) != sizeof committed) _exit(3);
        };
        CaptureWriter writer(path, options);
        writer.start_session({.id = 1, .client_address = "127.0.0.1:1"});
        const amqp::Bytes body(200, std::byte{'k'});
        for (std::uint64_t i = 0;; ++i) {
            writer.record_frame(1, Direction::client_to_broker, amqp::FrameType::body, 1, body);
            if (i % 2000 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    } catch (...) {
        _exit(2);
    }
}

}  // namespace

TEST_CASE("a writer killed mid-stream leaves every committed batch readable", "[capture][crash]") {
    test::TempDir dir;
    const auto path = dir.file("killed.amqpcap");
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(fds[0]);
        write_until_killed(path, fds[1]);
    }
    close(fds[1]);
    std::uint64_t reported = 0;
    int commits = 0;
    while (reported < 100000 || commits < 5) {
        std::uint64_t value = 0;
        REQUIRE(read(fds[0], &value, sizeof value) == sizeof value);
        reported = value;
        ++commits;
    }
    REQUIRE(kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    // Reports written before the kill landed are committed too.
    for (std::uint64_t value = 0; read(fds[0], &value, sizeof value) == sizeof value;) {
        reported = value;
    }
    close(fds[0]);

    const auto spooled = CaptureReader::open(path).value().spooled_frames();
    const auto recovered = recover_spool(path);
    REQUIRE(recovered);
    CHECK(recovered->frames == spooled);
    auto reader = CaptureReader::open(path);
    REQUIRE(reader);
    CHECK(reader->spooled_frames() == 0);
    CHECK(reader->totals().frames >= reported);
    // Numbered from 0 without a hole: the recovered batches continue the rows in order.
    std::uint64_t seq = 0;
    reader->for_each({}, RecordOrder::session, [&](const Record& r) {
        if (r.seq != seq) {
            FAIL_CHECK("frame " << seq << " is missing");
            return false;
        }
        ++seq;
        return true;
    });
    CHECK(reader->sessions().size() == 1);
    CHECK(reader->totals().open_sessions == 1);  // no end recorded: the writer died
    Database db(path, Database::Mode::read_write_create);
    auto check = db.prepare("PRAGMA integrity_check");
    REQUIRE(check.step());
    CHECK(check.text(0) == "ok");
    // Chunks commit with their frames: every frame lies in exactly one chunk, and every
    // frame is listed under its session (so the index finds all that was committed).
    auto covered = db.prepare(
        "SELECT (SELECT count(*) FROM frames), (SELECT coalesce(sum(frames), 0) FROM chunks), "
        "(SELECT count(*) FROM keyed_frames WHERE kind = 'session'), "
        "(SELECT count(*) FROM frames f JOIN chunks c ON f.id BETWEEN c.first_frame AND "
        "c.last_frame)");
    REQUIRE(covered.step());
    CHECK(covered.integer(1) == covered.integer(0));
    CHECK(covered.integer(2) == covered.integer(0));
    CHECK(covered.integer(3) == covered.integer(0));
    CHECK(reader->count({.sessions = {1}}) == reader->totals().frames);
    WARN("killed after " << reported << " frames reported committed; file holds "
                         << reader->totals().frames << ", " << spooled << " of them recovered");
}
