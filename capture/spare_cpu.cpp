#include "spare_cpu.hpp"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <string>

#include <unistd.h>

namespace amqpprox::capture {

std::optional<SpareCpu::Sample> SpareCpu::take() {
    std::ifstream stat("/proc/stat");
    std::string cpu;
    std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                  steal = 0;
    if (!(stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) ||
        cpu != "cpu") {
        return std::nullopt;
    }
    timespec own{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &own);
    Sample s;
    s.at = std::chrono::steady_clock::now();
    s.busy_ticks = user + nice + system + irq + softirq + steal;
    s.all_ticks = s.busy_ticks + idle + iowait;
    s.own_ns = std::int64_t{own.tv_sec} * 1'000'000'000 + own.tv_nsec;
    return s;
}

bool SpareCpu::spare(std::chrono::milliseconds interval) {
    const auto now = std::chrono::steady_clock::now();
    if (m_last && now - m_last->at < interval) return m_spare;
    const auto sample = take();
    if (!sample) return true;
    if (m_last && sample->all_ticks > m_last->all_ticks) {
        static const double kTickNs = 1e9 / static_cast<double>(sysconf(_SC_CLK_TCK));
        const double all = static_cast<double>(sample->all_ticks - m_last->all_ticks);
        const double busy = static_cast<double>(sample->busy_ticks - m_last->busy_ticks);
        const double own = static_cast<double>(sample->own_ns - m_last->own_ns) / kTickNs;
        const double cpus = static_cast<double>(sysconf(_SC_NPROCESSORS_ONLN));
        // all / cpus: the interval in ticks; what the others kept busy, in CPUs.
        const double others = (busy - own) / (all / cpus);
        m_spare = cpus - others >= std::min(m_needed, 0.75 * cpus);
    }
    m_last = sample;
    return m_spare;
}

}  // namespace amqpprox::capture
