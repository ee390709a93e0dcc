// The paced sender's scheduling requests. Each runs on a thread of its own: they change the
// calling thread's policy, which must not leak into the tests that follow.
#include "replay/sender_priority.hpp"

#include <fstream>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <sched.h>
#include <unistd.h>

#include "../capture/capture_test_support.hpp"
#include "replay/replay.hpp"
#include "replay_test_support.hpp"

using namespace amqpprox;

namespace {

template <typename F>
auto on_own_thread(F f) {
    decltype(f()) result{};
    std::thread([&] { result = f(); }).join();
    return result;
}

// "se.slice" of this thread in /proc (kernels with scheduler debugging), or "".
std::string own_slice() {
    std::ifstream sched("/proc/thread-self/sched");
    for (std::string line; std::getline(sched, line);) {
        if (line.rfind("se.slice", 0) == 0) return line.substr(line.find(':') + 1);
    }
    return {};
}

bool may_run_realtime() {
    return on_own_thread([] {
        sched_param p{};
        p.sched_priority = 1;
        return sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &p) == 0;
    });
}

}  // namespace

TEST_CASE("sender priority: a short slice is taken, or the kernel says it has none", "[replay]") {
    const auto [why, slice] = on_own_thread([] {
        auto refused = replay::request_short_slice(std::chrono::microseconds(100));
        return std::pair{refused, own_slice()};
    });
    if (why.empty()) {
        if (!slice.empty()) CHECK(std::stol(slice) == 100'000);  // nanoseconds
    } else {
        CHECK(why == "this kernel has no per-task slice");
    }
}

TEST_CASE("sender priority: --realtime runs the sender under SCHED_FIFO, or says why not",
          "[replay]") {
    const auto [why, policy] = on_own_thread([] {
        auto refused = replay::request_realtime();
        return std::pair{refused, sched_getscheduler(0) & ~SCHED_RESET_ON_FORK};
    });
    if (may_run_realtime()) {
        CHECK(why.empty());
        CHECK(policy == SCHED_FIFO);
        // Threads it starts are normal again.
        const auto child = on_own_thread([] {
            (void)replay::request_realtime();
            return on_own_thread([] { return sched_getscheduler(0); });
        });
        CHECK(child == SCHED_OTHER);
    } else {
        CHECK_FALSE(why.empty());
        CHECK(policy == SCHED_OTHER);
    }

    // The whole command: past the priority step it goes on to connect (here to nothing).
    capture::test::TempDir dir;
    auto o = replay::test::options_for_session(dir.file("r.amqpcap"), "amqp://127.0.0.1:1");
    o.speed = "1";
    o.realtime = true;
    o.timeout_ms = 2000;
    const auto [code, out, err] = on_own_thread([&] { return replay::test::run_command(o); });
    CHECK(code == 2);
    if (may_run_realtime()) {
        CHECK(err.empty());
        CHECK_THAT(out, Catch::Contains("cannot connect to 127.0.0.1:1"));
    } else {
        CHECK_THAT(err, Catch::Contains("--realtime: cannot run the sender under SCHED_FIFO") &&
                            Catch::Contains("ulimit -r"));
        CHECK(out.empty());
    }
}
