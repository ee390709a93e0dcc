// A capture opened with ThreadPriority::idle runs its writer and checkpoint threads under
// SCHED_IDLE (amqpprox --captureIdlePriority); the default leaves them at the normal policy,
// and the thread that opened the capture keeps its own either way.
#include "capture/thread_priority.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <sched.h>

#include "capture/writer.hpp"
#include "capture_test_support.hpp"

using namespace amqpprox::capture;

namespace {

// The scheduling policy of each of this process's threads that has one of `names`.
std::map<std::string, int> policies_of(std::initializer_list<std::string> names) {
    std::map<std::string, int> policies;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream comm_file(task.path() / "comm");
        std::string comm;
        std::getline(comm_file, comm);
        for (const auto& name : names) {
            if (comm == name)
                policies[name] = sched_getscheduler(std::stoi(task.path().filename().string()));
        }
    }
    return policies;
}

int policy_with(ThreadPriority priority) {
    test::TempDir dir;
    WriterOptions options;
    options.priority = priority;
    CaptureWriter writer((dir.path() / "p.amqpcap").string(), options);
    writer.flush();  // the writer thread has named itself and run at least once
    // The checkpoint thread names itself when it starts: wait for it (a second at most).
    auto policies = policies_of({"capture-writer", "capture-ckpt"});
    for (int i = 0; i < 100 && policies.size() < 2; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        policies = policies_of({"capture-writer", "capture-ckpt"});
    }
    REQUIRE(policies.size() == 2);
    CHECK(policies.at("capture-writer") == policies.at("capture-ckpt"));
    writer.close();
    return policies.at("capture-writer");
}

}  // namespace

TEST_CASE("capture threads: idle priority puts the writer and checkpointer under SCHED_IDLE",
          "[capture]") {
    CHECK(policy_with(ThreadPriority::idle) == SCHED_IDLE);
    CHECK(sched_getscheduler(0) == SCHED_OTHER);  // the caller's own policy is unchanged
}

TEST_CASE("capture threads: by default they keep the normal policy", "[capture]") {
    CHECK(policy_with(ThreadPriority::normal) == SCHED_OTHER);
}

TEST_CASE("capture threads: apply_thread_priority sets only the calling thread", "[capture]") {
    int inside = -1;
    std::string error = "not run";
    std::thread([&] {
        error = apply_thread_priority(ThreadPriority::idle);
        inside = sched_getscheduler(0);
    }).join();
    CHECK(error.empty());
    CHECK(inside == SCHED_IDLE);
    CHECK(sched_getscheduler(0) == SCHED_OTHER);
}
