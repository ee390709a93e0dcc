// After a crash: turns the batches a killed writer left in a capture's spool into rows, as
// the writer would have once traffic was quiet, so that the file reads complete.
#pragma once

#include <cstdint>
#include <string>

#include <tl/expected.hpp>

namespace amqpprox::capture {

struct RecoveredSpool {
    std::uint64_t batches = 0;
    std::uint64_t frames = 0;
    // The end of a record that the crash cut short: never reported committed, dropped.
    std::uint64_t cut_bytes = 0;
};

// Refuses a file that a running amqpprox still writes (it empties its spool itself). A
// damaged batch stops the recovery with an error; the batches before it are rows by then.
tl::expected<RecoveredSpool, std::string> recover_spool(const std::string& path);

}  // namespace amqpprox::capture
