#include "proxy/control/limits.hpp"

namespace amqpprox::control {

namespace {

constexpr std::array<std::string_view, kLimitKinds> kWords = {
    "CONN_RATE", "CONN_RATE_ALARM", "CONNECTIONS", "DATA_RATE", "DATA_RATE_ALARM"};

std::string number(const std::optional<std::uint64_t>& value) {
    return std::to_string(*value);
}

}  // namespace

std::string_view limit_word(LimitKind kind) {
    return kWords[static_cast<std::size_t>(kind)];
}

std::optional<LimitKind> limit_kind(std::string_view upper_word) {
    for (std::size_t i = 0; i < kLimitKinds; ++i) {
        if (kWords[i] == upper_word) return static_cast<LimitKind>(i);
    }
    return std::nullopt;
}

bool LimitValues::empty() const {
    for (const auto& value : values) {
        if (value) return false;
    }
    return true;
}

std::string describe_conn_rate(std::uint64_t limit) {
    return "Allow average " + std::to_string(limit) + " number of connections per 1 seconds";
}

void LimitConfig::set(LimitKind kind, const std::optional<std::string>& vhost,
                      std::uint64_t value) {
    std::lock_guard lock(m_mutex);
    (vhost ? m_vhosts[*vhost] : m_default)[kind] = value;
    m_generation.fetch_add(1, std::memory_order_acq_rel);
}

void LimitConfig::disable(LimitKind kind, const std::optional<std::string>& vhost) {
    std::lock_guard lock(m_mutex);
    if (!vhost) {
        m_default[kind].reset();
    } else if (const auto it = m_vhosts.find(*vhost); it != m_vhosts.end()) {
        it->second[kind].reset();
        if (it->second.empty()) m_vhosts.erase(it);
    }
    m_generation.fetch_add(1, std::memory_order_acq_rel);
}

std::optional<std::uint64_t> LimitConfig::effective(LimitKind kind,
                                                    const std::string& vhost) const {
    std::lock_guard lock(m_mutex);
    if (const auto it = m_vhosts.find(vhost); it != m_vhosts.end() && it->second[kind]) {
        return it->second[kind];
    }
    return m_default[kind];
}

std::string LimitConfig::vhost_lines(const std::string& vhost, const LimitValues& own,
                                     const LimitValues& defaults) {
    // amqpprox's two forms: a vhost's own connection-rate limit in its limiter's words
    // ("Allow average N number of connections per 1 seconds"), a default applied to it as
    // "allow average N number of connections per second".
    std::string out;
    const auto rate = [&](LimitKind kind, const std::string& prefix) {
        if (own[kind]) {
            out += prefix + describe_conn_rate(*own[kind]) + ".\n";
        } else if (defaults[kind]) {
            out += prefix + "allow average " + number(defaults[kind]) +
                   " number of connections per second.\n";
        }
    };
    const auto pick = [&](LimitKind kind) { return own[kind] ? own[kind] : defaults[kind]; };
    rate(LimitKind::conn_rate_alarm, "Alarm only limit, for vhost " + vhost + ", ");
    rate(LimitKind::conn_rate, "For vhost " + vhost + ", ");
    if (const auto n = pick(LimitKind::connections)) {
        out += "For vhost " + vhost + ", allow " + number(n) + " total connections.\n";
    }
    if (const auto n = pick(LimitKind::data_rate_alarm)) {
        out += "Alarm only data limit, for vhost " + vhost + ", allow max " + number(n) +
               " bytes per second.\n";
    }
    if (const auto n = pick(LimitKind::data_rate)) {
        out += "For vhost " + vhost + ", allow max " + number(n) + " bytes per second.\n";
    }
    return out;
}

std::string LimitConfig::print() const {
    std::lock_guard lock(m_mutex);
    std::string out;
    const auto& d = m_default;
    if (d[LimitKind::conn_rate_alarm]) {
        out += "Default limit for any vhost, allow average " +
               number(d[LimitKind::conn_rate_alarm]) +
               " connections per second in alarm only mode.\n";
    }
    if (d[LimitKind::conn_rate]) {
        out += "Default limit for any vhost, allow average " + number(d[LimitKind::conn_rate]) +
               " connections per second.\n";
    }
    if (d[LimitKind::connections]) {
        out += "Default limit for any vhost, allow " + number(d[LimitKind::connections]) +
               " total connections.\n";
    }
    if (d[LimitKind::data_rate_alarm]) {
        out += "Default data limit for any vhost, allow max " +
               number(d[LimitKind::data_rate_alarm]) + " bytes per second in alarm only mode.\n";
    }
    if (d[LimitKind::data_rate]) {
        out += "Default data limit for any vhost, allow max " + number(d[LimitKind::data_rate]) +
               " bytes per second.\n";
    }
    if (out.empty()) out = "No default limit configured for any vhost.\n";
    for (const auto& [vhost, own] : m_vhosts)
        out += vhost_lines(vhost, own, LimitValues{});
    return out;
}

std::string LimitConfig::print(const std::string& vhost) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_vhosts.find(vhost);
    auto out = vhost_lines(vhost, it == m_vhosts.end() ? LimitValues{} : it->second, m_default);
    if (out.empty()) out = "No limit configured for vhost " + vhost + ".\n";
    return out;
}

}  // namespace amqpprox::control
