// `amqp-analyze recover`: turns what a killed proxy left in a capture's spool into rows, so
// that every command reads the whole capture.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace amqpprox::analyze {

// One line per file on out. Exit status: 0 every file is complete, 2 a file could not be
// recovered (said on err; the other files are still done).
int recover_captures(const std::vector<std::string>& paths, std::ostream& out, std::ostream& err);

}  // namespace amqpprox::analyze
