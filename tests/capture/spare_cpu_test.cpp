// SpareCpu: a host whose every CPU is kept busy by other threads has none to spare; the
// caller's own CPU time does not count against it.
#include "capture/spare_cpu.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

using amqpprox::capture::SpareCpu;

namespace {

void spin_for(std::chrono::milliseconds time) {
    const auto end = std::chrono::steady_clock::now() + time;
    while (std::chrono::steady_clock::now() < end) {
    }
}

}  // namespace

TEST_CASE("a host kept busy by other threads has no CPU to spare", "[capture][spool]") {
    SpareCpu cpu;
    std::atomic<bool> stop = false;
    std::vector<std::thread> spinners;
    for (unsigned i = 0; i < std::max(1u, std::thread::hardware_concurrency()); ++i) {
        spinners.emplace_back([&] {
            while (!stop) {
            }
        });
    }
    (void)cpu.spare(std::chrono::milliseconds(0));  // the first look
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const bool spare = cpu.spare(std::chrono::milliseconds(0));
    stop = true;
    for (auto& t : spinners)
        t.join();
    CHECK_FALSE(spare);
}

TEST_CASE("the caller's own CPU time is not the host's", "[capture][spool]") {
    // Only this thread works, flat out: unless something else keeps the host busy, there
    // is a CPU to spare. (A host busy with other tests may say no: then only warn.)
    SpareCpu cpu(0.5);
    (void)cpu.spare(std::chrono::milliseconds(0));
    spin_for(std::chrono::milliseconds(200));
    if (!cpu.spare(std::chrono::milliseconds(0))) WARN("the host was busy with something else");
    // Between looks, the last answer stands.
    const bool answer = cpu.spare(std::chrono::milliseconds(0));
    CHECK(cpu.spare(std::chrono::hours(1)) == answer);
}
