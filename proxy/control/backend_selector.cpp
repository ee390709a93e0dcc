#include "proxy/control/backend_selector.hpp"

#include <utility>

namespace amqpprox::control {

std::vector<Partition> partition_backends(std::vector<Backend> members,
                                          const std::vector<PartitionPolicy>& policies,
                                          std::string_view proxy_datacenter) {
    std::vector<Partition> partitions;
    if (!members.empty()) partitions.push_back(std::move(members));
    for (const auto policy : policies) {
        std::vector<Partition> next;
        for (auto& partition : partitions) {
            switch (policy) {
                case PartitionPolicy::datacenter_affinity: {
                    Partition local;
                    Partition rest;
                    for (auto& backend : partition) {
                        (backend.datacenter == proxy_datacenter ? local : rest)
                            .push_back(std::move(backend));
                    }
                    if (!local.empty()) next.push_back(std::move(local));
                    if (!rest.empty()) next.push_back(std::move(rest));
                    break;
                }
            }
        }
        partitions = std::move(next);
    }
    return partitions;
}

std::vector<Backend> RoundRobinSelector::candidates(const std::vector<Partition>& partitions) {
    if (m_markers.size() != partitions.size()) m_markers.assign(partitions.size(), 0);
    std::vector<Backend> out;
    for (std::size_t p = 0; p < partitions.size(); ++p) {
        const auto& partition = partitions[p];
        for (std::size_t i = 0; i < partition.size(); ++i) {
            out.push_back(partition[(m_markers[p] + i) % partition.size()]);
        }
    }
    for (std::size_t p = 0; p < partitions.size(); ++p) {
        if (!partitions[p].empty()) m_markers[p] = (m_markers[p] + 1) % partitions[p].size();
    }
    return out;
}

}  // namespace amqpprox::control
