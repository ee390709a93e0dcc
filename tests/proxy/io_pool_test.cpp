// IoPool's network threads: each runs its own context, under the policy asked for
// (--networkPriority).
#include "proxy/io_pool.hpp"

#include <future>

#include <catch2/catch.hpp>
#include <sched.h>

using namespace amqpprox::proxy;

namespace {

// The scheduling policy of the thread that runs `context`.
int policy_on(asio::io_context& context) {
    std::promise<int> policy;
    asio::post(context, [&] { policy.set_value(sched_getscheduler(0)); });
    return policy.get_future().get();
}

}  // namespace

TEST_CASE("io pool: network threads run at the normal policy, or SCHED_BATCH when asked",
          "[io_pool]") {
    using amqpprox::capture::ThreadPriority;
    const auto [priority, expected] = GENERATE(std::pair{ThreadPriority::normal, SCHED_OTHER},
                                               std::pair{ThreadPriority::batch, SCHED_BATCH});
    IoPool pool(2, priority);
    pool.start();
    CHECK(policy_on(pool.main()) == expected);
    CHECK(policy_on(pool.next()) == expected);
    CHECK(policy_on(pool.next()) == expected);
    pool.stop();
    pool.join();
    // The process's other threads keep theirs.
    CHECK(sched_getscheduler(0) == SCHED_OTHER);
}
