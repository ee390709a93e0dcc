#include "proxy/control/admission.hpp"

namespace amqpprox::control {

AdmissionDecision ConnectionAdmission::admit(const std::string& vhost, LimitClock::time_point now) {
    const auto rate = m_config.effective(LimitKind::conn_rate, vhost);
    const auto alarm = m_config.effective(LimitKind::conn_rate_alarm, vhost);
    const auto most = m_config.effective(LimitKind::connections, vhost);
    AdmissionDecision decision;
    std::lock_guard lock(m_mutex);
    auto& state = m_vhosts[vhost];
    // The alarm sees every attempt, refused or not: it reports demand.
    if (alarm && !state.alarm.try_take(*alarm, now)) {
        decision.alarms.push_back("AMQPPROX_CONNECTION_LIMIT: the connection request for vhost '" +
                                  vhost + "' should be limited by " + describe_conn_rate(*alarm) +
                                  " (alarm only: let through)");
    }
    // The open count first: it changes nothing, so a connection it refuses takes no place
    // in the rate window.
    if (most && state.open >= *most) {
        decision.refusal = "NOT_ALLOWED - access to vhost '" + vhost +
                           "' refused by amqpprox: connection limit (" + std::to_string(*most) +
                           ") is reached";
    } else if (rate && !state.rate.try_take(*rate, now)) {
        decision.refusal = "NOT_ALLOWED - access to vhost '" + vhost +
                           "' refused by amqpprox: connection rate limit (" +
                           std::to_string(*rate) + " per second) is reached";
    } else {
        ++state.open;
    }
    if (state.open == 0 && !rate && !alarm) m_vhosts.erase(vhost);
    return decision;
}

void ConnectionAdmission::release(const std::string& vhost) {
    const bool windows = m_config.effective(LimitKind::conn_rate, vhost) ||
                         m_config.effective(LimitKind::conn_rate_alarm, vhost);
    std::lock_guard lock(m_mutex);
    const auto it = m_vhosts.find(vhost);
    if (it == m_vhosts.end()) return;
    if (it->second.open > 0) --it->second.open;
    if (it->second.open == 0 && !windows) m_vhosts.erase(it);
}

std::uint64_t ConnectionAdmission::open(const std::string& vhost) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_vhosts.find(vhost);
    return it == m_vhosts.end() ? 0 : it->second.open;
}

}  // namespace amqpprox::control
