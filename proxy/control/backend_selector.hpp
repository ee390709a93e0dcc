// Choosing backends for a new connection: a farm's members split into partitions by its
// policies, then a round-robin walk that gives every connection an ordered list of candidates
// to try in turn (earlier partitions first, no backend twice), so the caller can fail over.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "proxy/control/backend.hpp"

namespace amqpprox::control {

using Partition = std::vector<Backend>;

// Applies `policies` in order to one starting partition holding `members`; each policy splits
// every partition further and empty parts are dropped.
std::vector<Partition> partition_backends(std::vector<Backend> members,
                                          const std::vector<PartitionPolicy>& policies,
                                          std::string_view proxy_datacenter);

// Round-robin over partitions with one marker per partition. A connection gets, for each
// partition in order, its members starting at that partition's marker; then every marker moves
// on by one. So consecutive connections start on consecutive members of the first partition,
// later partitions only serve as failover, and failover load rotates too. (amqpprox moves a
// marker only when a retry reaches its partition; a list made up front cannot know that.)
class RoundRobinSelector {
public:
    std::vector<Backend> candidates(const std::vector<Partition>& partitions);
    // Back to the first member of every partition (the farm or the datacenter changed).
    void reset() { m_markers.clear(); }

private:
    std::vector<std::size_t> m_markers;
};

}  // namespace amqpprox::control
