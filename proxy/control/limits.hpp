// LIMIT's configuration: per-vhost and default connection-rate, open-connection and client
// data-rate limits (and their alarm-only variants), and the text LIMIT PRINT shows, in
// amqpprox's words. Thread-safe: the control thread changes it, network threads read it when
// a client opens a vhost and, for data rates, whenever generation() says it changed.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace amqpprox::control {

enum class LimitKind : std::uint8_t {
    conn_rate,        // new connections per second, per vhost; over it: refused
    conn_rate_alarm,  // the same, but only logged (AMQPPROX_CONNECTION_LIMIT)
    connections,      // open connections per vhost; over it: refused
    data_rate,        // client-to-broker bytes per second, per connection: reads are paced
    data_rate_alarm,  // the same, but only logged (AMQPPROX_DATA_LIMIT)
};
inline constexpr std::size_t kLimitKinds = 5;

// The word LIMIT uses for a kind ("CONN_RATE"), and back (from an upper-cased word).
std::string_view limit_word(LimitKind kind);
std::optional<LimitKind> limit_kind(std::string_view upper_word);

// One vhost's limits, or the defaults: unset means no limit.
struct LimitValues {
    std::array<std::optional<std::uint64_t>, kLimitKinds> values{};

    std::optional<std::uint64_t>& operator[](LimitKind kind) {
        return values[static_cast<std::size_t>(kind)];
    }
    const std::optional<std::uint64_t>& operator[](LimitKind kind) const {
        return values[static_cast<std::size_t>(kind)];
    }
    bool empty() const;
    bool operator==(const LimitValues&) const = default;
};

class LimitConfig {
public:
    // vhost nullopt: the default, for every vhost without a limit of that kind of its own.
    void set(LimitKind kind, const std::optional<std::string>& vhost, std::uint64_t value);
    void disable(LimitKind kind, const std::optional<std::string>& vhost);
    // The vhost's own limit, else the default one.
    std::optional<std::uint64_t> effective(LimitKind kind, const std::string& vhost) const;
    // Changes with every set/disable, so a running session re-reads its limits only then.
    std::uint64_t generation() const { return m_generation.load(std::memory_order_acquire); }

    // LIMIT PRINT: the defaults (amqpprox's lines, or "No default limit configured for any
    // vhost."), then every vhost's own limits, sorted by vhost (amqpprox shows only defaults).
    std::string print() const;
    // LIMIT PRINT vhost: what applies to it, its own limits or the defaults.
    std::string print(const std::string& vhost) const;

private:
    // The lines of one vhost's own limits (own: true) or of the defaults applied to it.
    static std::string vhost_lines(const std::string& vhost, const LimitValues& own,
                                   const LimitValues& defaults);

    mutable std::mutex m_mutex;
    LimitValues m_default;
    std::map<std::string, LimitValues> m_vhosts;
    std::atomic<std::uint64_t> m_generation{0};
};

// amqpprox's description of a vhost's own connection-rate limit: "Allow average N number of
// connections per 1 seconds".
std::string describe_conn_rate(std::uint64_t limit);

}  // namespace amqpprox::control
