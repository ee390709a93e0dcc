// The process figures of STAT: CPU use over the last interval (percent of one core, as
// amqpprox's cpu_timer gives them) and peak RSS (getrusage's ru_maxrss, as amqpprox reports).
#pragma once

#include <chrono>

#include "proxy/control/control_target.hpp"

namespace amqpprox::proxy {

class ProcessUsage {
public:
    ProcessUsage();
    // Figures since the previous call (or since construction).
    control::ProcessStats sample();

private:
    std::chrono::steady_clock::time_point m_wall;
    std::chrono::microseconds m_user{0};
    std::chrono::microseconds m_system{0};
};

}  // namespace amqpprox::proxy
