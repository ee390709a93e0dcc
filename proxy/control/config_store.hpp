// The proxy's configuration: backends, farms, vhost mappings, the default farm, the proxy's
// datacenter and which vhosts are paused. One mutex guards it all: the control thread changes
// it, network threads read it (route()) when a client's Connection.Open names its vhost.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "proxy/control/backend.hpp"
#include "proxy/control/backend_selector.hpp"
#include "proxy/control/limits.hpp"

namespace amqpprox::control {

// Name to addresses (IPv4/IPv6 text). Injected so tests need no DNS.
using Resolver =
    std::function<tl::expected<std::vector<std::string>, std::string>(const std::string& host)>;

// Where one new connection goes: the backends to try in order. A MAP BACKEND vhost has one.
struct Route {
    Mapping mapping;  // what the vhost resolved to (its own mapping, or the DEFAULT farm)
    std::vector<Backend> candidates;

    bool operator==(const Route&) const = default;
};

class ConfigStore {
public:
    using Error = std::string;
    using Status = tl::expected<void, Error>;

    // Backends. Adding a name that exists is an error (delete it first).
    Status add_backend(Backend backend);
    Status remove_backend(const std::string& name);
    std::optional<Backend> backend(const std::string& name) const;
    std::vector<Backend> backends() const;  // sorted by name

    // Farms. Every member must exist; adding a name that exists replaces that farm.
    Status add_farm(Farm farm);
    Status add_partition_policy(const std::string& farm, PartitionPolicy policy);
    Status remove_farm(const std::string& name);
    std::optional<Farm> farm(const std::string& name) const;
    std::vector<Farm> farms() const;  // sorted by name

    // Vhost mappings; targets are checked only when a connection uses them.
    void map(const std::string& vhost, Mapping mapping);
    Status unmap(const std::string& vhost);
    void set_default_farm(std::string farm);
    void remove_default_farm();
    std::map<std::string, Mapping> mappings() const;
    std::optional<std::string> default_farm() const;

    // The proxy's datacenter, for datacenter-affinity. Changing it repartitions every farm.
    void set_datacenter(std::string datacenter);
    std::string datacenter() const;

    // Vhost pause flags. A vhost that was never paused is not listed.
    void set_paused(const std::string& vhost, bool paused);
    bool paused(const std::string& vhost) const;
    std::map<std::string, bool> pause_states() const;

    // The backends a new connection for `vhost` tries, in order; advances the farm's
    // round-robin. Error "No known broker mapping for vhost <v>" when neither the vhost nor a
    // DEFAULT farm is mapped; also when the target or all its members are gone.
    tl::expected<Route, Error> route(const std::string& vhost);

    // LIMIT's connection and data-rate limits (locked on their own).
    LimitConfig& limits() { return m_limits; }
    const LimitConfig& limits() const { return m_limits; }

private:
    mutable std::mutex m_mutex;
    std::map<std::string, Backend> m_backends;
    std::map<std::string, Farm> m_farms;
    std::map<std::string, RoundRobinSelector> m_selectors;  // per farm
    std::map<std::string, Mapping> m_mappings;
    std::optional<std::string> m_default_farm;
    std::string m_datacenter;
    std::map<std::string, bool> m_paused;
    LimitConfig m_limits;
};

}  // namespace amqpprox::control
