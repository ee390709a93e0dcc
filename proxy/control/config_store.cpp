#include "proxy/control/config_store.hpp"

#include <set>
#include <utility>

namespace amqpprox::control {

namespace {

tl::unexpected<std::string> fail(std::string message) {
    return tl::unexpected<std::string>(std::move(message));
}

}  // namespace

ConfigStore::Status ConfigStore::add_backend(Backend backend) {
    std::lock_guard lock(m_mutex);
    if (m_backends.contains(backend.name)) {
        return fail("Backend '" + backend.name + "' already exists; BACKEND DELETE it first");
    }
    auto name = backend.name;
    m_backends.emplace(std::move(name), std::move(backend));
    return {};
}

ConfigStore::Status ConfigStore::remove_backend(const std::string& name) {
    std::lock_guard lock(m_mutex);
    if (m_backends.erase(name) == 0) return fail("Backend '" + name + "' not found");
    return {};
}

std::optional<Backend> ConfigStore::backend(const std::string& name) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_backends.find(name);
    if (it == m_backends.end()) return std::nullopt;
    return it->second;
}

std::vector<Backend> ConfigStore::backends() const {
    std::lock_guard lock(m_mutex);
    std::vector<Backend> out;
    for (const auto& [name, backend] : m_backends)
        out.push_back(backend);
    return out;
}

ConfigStore::Status ConfigStore::add_farm(Farm farm) {
    std::lock_guard lock(m_mutex);
    std::string missing;
    for (const auto& member : farm.members) {
        if (!m_backends.contains(member)) missing += "Backend '" + member + "' not found\n";
    }
    if (!missing.empty()) {
        return fail(missing + "Farm not inserted due to at least one missing Backend");
    }
    auto name = farm.name;
    m_selectors.erase(name);
    m_farms.insert_or_assign(std::move(name), std::move(farm));
    return {};
}

ConfigStore::Status ConfigStore::add_partition_policy(const std::string& farm,
                                                      PartitionPolicy policy) {
    std::lock_guard lock(m_mutex);
    const auto it = m_farms.find(farm);
    if (it == m_farms.end()) return fail("Farm '" + farm + "' not found");
    it->second.policies.push_back(policy);
    m_selectors.erase(farm);
    return {};
}

ConfigStore::Status ConfigStore::remove_farm(const std::string& name) {
    std::lock_guard lock(m_mutex);
    if (m_farms.erase(name) == 0) return fail("Farm '" + name + "' not found");
    m_selectors.erase(name);
    return {};
}

std::optional<Farm> ConfigStore::farm(const std::string& name) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_farms.find(name);
    if (it == m_farms.end()) return std::nullopt;
    return it->second;
}

std::vector<Farm> ConfigStore::farms() const {
    std::lock_guard lock(m_mutex);
    std::vector<Farm> out;
    for (const auto& [name, farm] : m_farms)
        out.push_back(farm);
    return out;
}

void ConfigStore::map(const std::string& vhost, Mapping mapping) {
    std::lock_guard lock(m_mutex);
    m_mappings.insert_or_assign(vhost, std::move(mapping));
}

ConfigStore::Status ConfigStore::unmap(const std::string& vhost) {
    std::lock_guard lock(m_mutex);
    if (m_mappings.erase(vhost) == 0) return fail("Vhost '" + vhost + "' is not mapped");
    return {};
}

void ConfigStore::set_default_farm(std::string farm) {
    std::lock_guard lock(m_mutex);
    m_default_farm = std::move(farm);
}

void ConfigStore::remove_default_farm() {
    std::lock_guard lock(m_mutex);
    m_default_farm.reset();
}

std::map<std::string, Mapping> ConfigStore::mappings() const {
    std::lock_guard lock(m_mutex);
    return m_mappings;
}

std::optional<std::string> ConfigStore::default_farm() const {
    std::lock_guard lock(m_mutex);
    return m_default_farm;
}

void ConfigStore::set_datacenter(std::string datacenter) {
    std::lock_guard lock(m_mutex);
    m_datacenter = std::move(datacenter);
    m_selectors.clear();
}

std::string ConfigStore::datacenter() const {
    std::lock_guard lock(m_mutex);
    return m_datacenter;
}

void ConfigStore::set_paused(const std::string& vhost, bool paused) {
    std::lock_guard lock(m_mutex);
    m_paused.insert_or_assign(vhost, paused);
}

bool ConfigStore::paused(const std::string& vhost) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_paused.find(vhost);
    return it != m_paused.end() && it->second;
}

std::map<std::string, bool> ConfigStore::pause_states() const {
    std::lock_guard lock(m_mutex);
    return m_paused;
}

tl::expected<Route, ConfigStore::Error> ConfigStore::route(const std::string& vhost) {
    std::lock_guard lock(m_mutex);
    Route route;
    if (const auto it = m_mappings.find(vhost); it != m_mappings.end()) {
        route.mapping = it->second;
    } else if (m_default_farm) {
        route.mapping = Mapping{Mapping::Kind::farm, *m_default_farm};
    } else {
        return fail("No known broker mapping for vhost " + vhost);
    }

    const auto& target = route.mapping.target;
    if (route.mapping.kind == Mapping::Kind::backend) {
        const auto it = m_backends.find(target);
        if (it == m_backends.end()) {
            return fail("No known broker mapping for vhost " + vhost + " (backend '" + target +
                        "' not found)");
        }
        route.candidates.push_back(it->second);
        return route;
    }

    const auto farm = m_farms.find(target);
    if (farm == m_farms.end()) {
        return fail("No known broker mapping for vhost " + vhost + " (farm '" + target +
                    "' not found)");
    }
    // Members deleted since FARM ADD are skipped; existing sessions on them are unaffected.
    // A name listed twice is tried once.
    std::vector<Backend> members;
    std::set<std::string> seen;
    for (const auto& name : farm->second.members) {
        if (!seen.insert(name).second) continue;
        if (const auto it = m_backends.find(name); it != m_backends.end()) {
            members.push_back(it->second);
        }
    }
    if (members.empty()) {
        return fail("No known broker mapping for vhost " + vhost + " (farm '" + target +
                    "' has no backends)");
    }
    route.candidates = m_selectors[target].candidates(
        partition_backends(std::move(members), farm->second.policies, m_datacenter));
    return route;
}

}  // namespace amqpprox::control
