#include "proxy/control/backend.hpp"

#include <algorithm>

namespace amqpprox::control {

std::string Backend::print() const {
    // ADD_DNS backends have no address until a connection resolves them: say so rather than
    // print an empty one (amqpprox prints "host :port").
    std::string out =
        name + " (" + datacenter + "): " + host +
        (dns ? ":" + std::to_string(port) + " DNS" : " " + ip + ":" + std::to_string(port));
    if (send_proxy) out += " PROXY PROTOCOL V1 ENABLED";
    if (tls) out += " TLS";
    return out;
}

std::string_view to_string(PartitionPolicy policy) {
    switch (policy) {
        case PartitionPolicy::datacenter_affinity:
            return "datacenter-affinity";
    }
    return "unknown";
}

std::string Farm::print() const {
    std::vector<std::string> sorted = members;
    std::sort(sorted.begin(), sorted.end());
    std::string out = name + ":";
    for (const auto& member : sorted)
        out += " " + member;
    return out + " ";
}

}  // namespace amqpprox::control
