#include "pcap_import.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <ostream>

#include <unistd.h>

#include "capture/pcap_source.hpp"
#include "output_format.hpp"

namespace amqpprox::analyze {

int run_import(const ImportOptions& options, std::ostream& out, std::ostream& err) {
    if (std::filesystem::exists(options.output)) {
        err << "amqp-analyze: " << options.output << " exists; import writes a new capture\n";
        return kExitBadInput;
    }
    capture::PcapImportOptions pcap_options;
    pcap_options.ports.insert(pcap_options.ports.end(), options.ports.begin(), options.ports.end());
    // A progress line on a terminal only: scripts and logs get the summary alone.
    std::chrono::steady_clock::time_point shown{};
    bool drew = false;
    if (::isatty(STDERR_FILENO) == 1) {
        pcap_options.progress = [&](std::uint64_t read, std::uint64_t total) {
            const auto now = std::chrono::steady_clock::now();
            if (now - shown < std::chrono::milliseconds(200) || total == 0) return;
            shown = now;
            drew = true;
            char line[160];
            std::snprintf(line, sizeof line, "\rimporting %s: %3.0f%% (%.1f of %.1f MB)",
                          options.input.c_str(),
                          100.0 * static_cast<double>(read) / static_cast<double>(total),
                          static_cast<double>(read) / 1e6, static_cast<double>(total) / 1e6);
            err << line << std::flush;
        };
    }
    auto stats = capture::import_pcap_file(options.input, options.output, pcap_options);
    if (drew) err << "\r\033[K" << std::flush;  // the bar gives way to the summary
    if (!stats) {
        std::error_code ec;
        std::filesystem::remove(options.output, ec);
        err << "amqp-analyze: " << stats.error() << '\n';
        return kExitBadInput;
    }
    out << options.output << ": " << stats->sessions << " AMQP session(s), " << stats->frames
        << " frames, from " << stats->packets << " packets in " << stats->connections
        << " TCP connection(s)";
    if (stats->gaps > 0)
        out << "; " << stats->gaps << " gap(s), " << stats->gap_bytes << " bytes missing";
    out << '\n';
    if (stats->tls_connections > 0) {
        err << "amqp-analyze: " << stats->tls_connections
            << " TLS connection(s) on AMQP ports are encrypted: not decoded\n";
    }
    if (stats->bad_packets > 0)
        err << "amqp-analyze: " << stats->bad_packets << " packet(s) could not be parsed\n";
    if (stats->cut_packets > 0) {
        err << "amqp-analyze: " << stats->cut_packets
            << " packet(s) cut short by the capture's snap length: their missing bytes are gaps"
               " (capture with tcpdump -s 0 to keep them)\n";
    }
    if (!stats->file_error.empty()) {
        err << "amqp-analyze: " << stats->file_error << "; the capture holds what came before\n";
        return kExitBadInput;
    }
    if (stats->sessions == 0) {
        err << "amqp-analyze: no AMQP session found in " << options.input << '\n';
        return kExitNothingMatched;
    }
    return kExitOk;
}

}  // namespace amqpprox::analyze
