#include "proxy/control/backend.hpp"

#include <algorithm>

namespace amqpprox::control {

std::string Backend::print(const std::optional<DnsResolution>& resolved) const {
    // ADD_DNS backends have no fixed address: say so rather than print an empty one (amqpprox
    // prints "host :port"), with what the name resolves to lately when that is known.
    std::string out =
        name + " (" + datacenter + "): " + host +
        (dns ? ":" + std::to_string(port) + " DNS" : " " + ip + ":" + std::to_string(port));
    if (dns && resolved) {
        out += " (";
        if (!resolved->error.empty()) {
            out += "lookup failed: " + resolved->error;
        } else {
            for (const auto& address : resolved->addresses)
                out += address + " ";
            out += "resolved";
        }
        out += " " + std::to_string(resolved->age_s) + " s ago)";
    }
    if (send_proxy == ProxyProtocol::v1) out += " PROXY PROTOCOL V1 ENABLED";
    if (send_proxy == ProxyProtocol::v2) out += " PROXY PROTOCOL V2 ENABLED";
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
