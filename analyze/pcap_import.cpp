#include "pcap_import.hpp"

#include <filesystem>
#include <ostream>

#include "capture/pcap_source.hpp"
#include "capture/writer.hpp"
#include "output_format.hpp"

namespace amqpprox::analyze {

int run_import(const ImportOptions& options, std::ostream& out, std::ostream& err) {
    if (std::filesystem::exists(options.output)) {
        err << "amqp-analyze: " << options.output << " exists; import writes a new capture\n";
        return kExitBadInput;
    }
    capture::PcapImportOptions pcap_options;
    pcap_options.ports.insert(pcap_options.ports.end(), options.ports.begin(), options.ports.end());
    capture::WriterOptions writer_options;
    writer_options.overflow = capture::OverflowPolicy::block;  // a file can wait; never drop
    writer_options.source = options.input;
    capture::CaptureWriter writer(options.output, writer_options);
    auto stats = capture::import_pcap(options.input, writer, pcap_options);
    writer.close();
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
