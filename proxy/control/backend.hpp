// The configuration records the control commands edit: backends, farms and vhost mappings.
// Plain values; ConfigStore keeps them consistent and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace amqpprox::control {

// What an ADD_DNS backend's name resolved to when last looked up, for BACKEND PRINT.
struct DnsResolution {
    std::vector<std::string> addresses;  // "ip:port", in the resolver's order
    std::string error;                   // why the last lookup failed; addresses then empty
    std::int64_t age_s = 0;              // seconds since that lookup answered

    bool operator==(const DnsResolution&) const = default;
};

// Which PROXY protocol header a backend's connections start with (before TLS, before AMQP).
enum class ProxyProtocol : std::uint8_t { none, v1, v2 };

struct Backend {
    std::string name;
    std::string datacenter;
    std::string host;  // as given: a DNS name or an IP
    std::uint16_t port = 0;
    std::string ip;    // BACKEND ADD: the first address `host` resolved to at add time
    bool dns = false;  // BACKEND ADD_DNS: `host` is resolved on every connection instead
    ProxyProtocol send_proxy = ProxyProtocol::none;  // SEND-PROXY (v1), SEND-PROXY-V2
    bool tls = false;                                // TLS towards the broker

    bool operator==(const Backend&) const = default;

    // The BACKEND PRINT line, e.g. "rabbit1 (london): localhost 127.0.0.1:5672 TLS"; an
    // ADD_DNS backend shows what its name last resolved to when that is known.
    std::string print(const std::optional<DnsResolution>& resolved = std::nullopt) const;
};

// Splits a farm's members into ordered partitions; the selector exhausts earlier ones first.
enum class PartitionPolicy : std::uint8_t {
    datacenter_affinity,  // [same datacenter as the proxy] then [the rest]
};

std::string_view to_string(PartitionPolicy policy);

struct Farm {
    std::string name;
    std::string selector = "round-robin";   // the only one there is
    std::vector<std::string> members;       // backend names, in the order given
    std::vector<PartitionPolicy> policies;  // applied in the order given

    bool operator==(const Farm&) const = default;

    // The FARM PRINT line: "name: m1 m2 " (members sorted, each followed by a space).
    std::string print() const;
};

struct Mapping {
    enum class Kind : std::uint8_t { backend, farm };
    Kind kind = Kind::farm;
    std::string target;  // backend or farm name; not checked until a connection uses it

    bool operator==(const Mapping&) const = default;
};

}  // namespace amqpprox::control
