// What amqps:// needs from the command line: whom to trust (--ca, --insecure).
#pragma once

#include <string>

namespace amqpprox::replay {

struct TlsOptions {
    std::string ca_file;    // PEM; empty: the system's trust store
    bool insecure = false;  // no certificate verification at all (still encrypted)
};

}  // namespace amqpprox::replay
