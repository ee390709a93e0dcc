#include "process_metrics.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

namespace amqpprox::proxy {
namespace {

std::string read_all(const char* path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint64_t to_number(std::string_view word) {
    std::uint64_t n = 0;
    std::from_chars(word.data(), word.data() + word.size(), n);
    return n;
}

// /proc/stat's "btime": when the machine booted, in seconds since the epoch.
std::uint64_t boot_time() {
    std::istringstream in(read_all("/proc/stat"));
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("btime ")) return to_number(std::string_view(line).substr(6));
    }
    return 0;
}

double seconds(const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

}  // namespace

bool parse_proc_stat(std::string_view stat, long page_size, long ticks_per_second,
                     control::ProcessMetrics& out) {
    // The command name is in parentheses and may hold spaces: fields count from the last ')'.
    const auto paren = stat.rfind(')');
    if (paren == std::string_view::npos || ticks_per_second <= 0) return false;
    std::vector<std::string_view> fields;  // fields[0] is field 3 (state)
    std::size_t i = paren + 1;
    while (i < stat.size()) {
        while (i < stat.size() && (stat[i] == ' ' || stat[i] == '\n'))
            ++i;
        const auto start = i;
        while (i < stat.size() && stat[i] != ' ' && stat[i] != '\n')
            ++i;
        if (i > start) fields.push_back(stat.substr(start, i - start));
    }
    // starttime is field 22, vsize 23, rss 24 (proc(5)).
    if (fields.size() < 22) return false;
    out.start_time_seconds =
        static_cast<double>(to_number(fields[19])) / static_cast<double>(ticks_per_second);
    out.virtual_memory_bytes = to_number(fields[20]);
    out.resident_memory_bytes = to_number(fields[21]) * static_cast<std::uint64_t>(page_size);
    return true;
}

control::ProcessMetrics read_process_metrics() {
    control::ProcessMetrics m;
    if (parse_proc_stat(read_all("/proc/self/stat"), sysconf(_SC_PAGESIZE), sysconf(_SC_CLK_TCK),
                        m)) {
        m.start_time_seconds += static_cast<double>(boot_time());
    }
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) == 0) {
        m.cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    }
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        ++m.open_fds;
    }
    if (m.open_fds > 0) --m.open_fds;  // the directory listing's own descriptor
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
        m.max_fds = limit.rlim_cur;
    }
    return m;
}

}  // namespace amqpprox::proxy
