#include "log.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <mutex>

#include "capture/writer.hpp"
#include "log_line.hpp"

namespace amqpprox::proxy {
namespace {

constexpr std::uintmax_t kMaxFileBytes = 32u << 20;

std::atomic<int> g_console_level{static_cast<int>(LogLevel::info)};
std::atomic<int> g_file_level{-1};  // -1: no log directory
std::atomic<int> g_format{static_cast<int>(LogFormat::text)};
std::mutex g_mutex;  // guards the file state and whole lines on stderr

struct CloseFile {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

struct LogFiles {
    std::filesystem::path directory;
    std::unique_ptr<std::FILE, CloseFile> file;
    std::string day;  // YYYYMMDD of the open file
    int index = 0;
    std::uintmax_t bytes = 0;
};
LogFiles g_files;

std::string today() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
    return buf;
}

// The file to write to now, opening the next one at a new day or past the size limit.
std::FILE* current_file() {
    const auto day = today();
    if (g_files.file && day == g_files.day && g_files.bytes < kMaxFileBytes) {
        return g_files.file.get();
    }
    if (day != g_files.day) g_files.index = 0;
    g_files.day = day;
    while (true) {
        char name_buf[48];
        std::snprintf(name_buf, sizeof name_buf, "amqpprox_%s_%05d.log", day.c_str(),
                      g_files.index++);
        const auto path = g_files.directory / name_buf;
        std::error_code ec;
        if (std::filesystem::exists(path, ec) &&
            std::filesystem::file_size(path, ec) >= kMaxFileBytes) {
            continue;
        }
        g_files.file.reset(std::fopen(path.c_str(), "a"));
        g_files.bytes = g_files.file ? std::filesystem::file_size(path, ec) : 0;
        return g_files.file.get();
    }
}

}  // namespace

void set_log_format(LogFormat format) {
    g_format = static_cast<int>(format);
}

void set_console_log_level(LogLevel level) {
    g_console_level = static_cast<int>(level);
}

std::string open_log_directory(const std::string& directory, LogLevel level) {
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec) return "cannot create log directory " + directory + ": " + ec.message();
    std::lock_guard lock(g_mutex);
    g_files = LogFiles{};
    g_files.directory = directory;
    if (current_file() == nullptr) return "cannot write a log file in " + directory;
    g_file_level = static_cast<int>(level);
    return {};
}

bool set_file_log_level(LogLevel level) {
    int current = g_file_level.load();
    // -1 (no directory) stays -1: a level alone does not make a place to write to.
    while (current >= 0) {
        if (g_file_level.compare_exchange_weak(current, static_cast<int>(level))) return true;
    }
    return false;
}

bool log_enabled(LogLevel level) {
    const int l = static_cast<int>(level);
    return l <= g_console_level || l <= g_file_level;
}

void log(LogLevel level, std::string_view line) {
    if (!log_enabled(level)) return;
    const auto text =
        format_log_line(static_cast<LogFormat>(g_format.load()), capture::now_ns(), level, line);
    std::lock_guard lock(g_mutex);
    if (static_cast<int>(level) <= g_console_level)
        std::fwrite(text.data(), 1, text.size(), stderr);
    if (static_cast<int>(level) <= g_file_level) {
        if (auto* file = current_file()) {
            g_files.bytes += std::fwrite(text.data(), 1, text.size(), file);
            std::fflush(file);
        }
    }
}

}  // namespace amqpprox::proxy
