// amqp-analyze: parses the command line and hands over to the analyze library.
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <CLI/CLI.hpp>

#include "analyze/amqp_stream_follow.hpp"
#include "analyze/decode_stream.hpp"
#include "analyze/follow.hpp"
#include "analyze/info.hpp"
#include "analyze/inputs.hpp"
#include "analyze/pcap_export.hpp"
#include "analyze/pcap_import.hpp"
#include "analyze/pcap_trace.hpp"
#include "analyze/recover.hpp"
#include "analyze/report.hpp"
#include "analyze/selection_options.hpp"
#include "analyze/session_list.hpp"
#include "analyze/stats.hpp"
#include "analyze/trace.hpp"

namespace {

using namespace amqpprox::analyze;

// The inputs and filters every record-reading command takes.
struct Common {
    std::vector<std::string> inputs;
    SelectionOptions selection;
    OutputFormat format = OutputFormat::text;
    std::vector<std::uint16_t> ports;  // AMQP ports in pcaps, besides 5672 and 5671
};

// INPUT... and the filters.
void add_selection(CLI::App* cmd, Common& common) {
    cmd->add_option("INPUT", common.inputs,
                    "Capture files (a rotation's files, or its base name, read as one), or "
                    "pcap/pcapng files")
        ->required();
    cmd->add_option("--port", common.ports,
                    "In pcaps, also take connections on this TCP port as AMQP when no protocol "
                    "header is seen (5672 and 5671 always are)")
        ->type_name("PORT");
    auto& s = common.selection;
    cmd->add_option("--session", s.sessions, "Only these sessions (ID, or INPUT:ID)")
        ->type_name("ID");
    cmd->add_option("--vhost", s.vhost, "Only sessions on this vhost");
    cmd->add_option("--channel", s.channel, "Only frames on this channel");
    cmd->add_option("--method", s.methods,
                    "Only these methods (Basic.Publish, basic.publish, or a class: basic)");
    cmd->add_option("--exchange", s.exchange, "Only methods naming this exchange");
    cmd->add_option("--routing-key", s.routing_key, "Only methods with this routing key");
    cmd->add_option("--queue", s.queue, "Only methods naming this queue");
    cmd->add_option("--from", s.from,
                    "From this time on (UTC 2025-11-22T08:26:40[.5], or @SECONDS)");
    cmd->add_option("--to", s.to, "Before this time");
}

void add_common(CLI::App* cmd, Common& common, bool csv) {
    add_selection(cmd, common);
    std::map<std::string, OutputFormat> formats{{"text", OutputFormat::text},
                                                {"json", OutputFormat::json}};
    if (csv) formats.emplace("csv", OutputFormat::csv);
    cmd->add_option("--format", common.format, "Output form")
        ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case))
        ->default_str("text");
}

// Opens the inputs and builds the selection; prints what is wrong and returns nullopt.
std::optional<std::pair<InputSet, Selection>> prepare(const Common& common) {
    amqpprox::capture::PcapImportOptions pcap;
    pcap.ports.insert(pcap.ports.end(), common.ports.begin(), common.ports.end());
    auto inputs = InputSet::open(common.inputs, pcap);
    if (!inputs) {
        std::cerr << "amqp-analyze: " << inputs.error().message << '\n';
        return std::nullopt;
    }
    for (const auto& warning : inputs->warnings())
        std::cerr << "amqp-analyze: " << warning << '\n';
    auto selection = make_selection(common.selection, *inputs);
    if (!selection) {
        std::cerr << "amqp-analyze: " << selection.error() << '\n';
        return std::nullopt;
    }
    return std::pair{std::move(*inputs), std::move(*selection)};
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"amqp-analyze: inspect AMQP 0.9.1 traffic recorded by amqpprox"};
    app.set_version_flag("--version", std::string("amqp-analyze ") + AMQPPROX_VERSION);
    app.require_subcommand(0, 1);
    app.footer("Exit status: 0 ok, 1 nothing matched the filters, 2 bad input or options.");

    DecodeOptions decode;
    std::string path;
    auto* decode_cmd = app.add_subcommand(
        "decode", "Print every frame of a raw AMQP byte stream (one direction of a connection)");
    decode_cmd->add_option("FILE", path, "Stream file, or - for standard input")->required();
    decode_cmd->add_flag("--json", decode.json, "One JSON object per frame");
    decode_cmd->add_option("--bodies", decode.body_preview,
                           "Show the first N printable bytes of each body");
    decode_cmd->add_flag("--show-secrets", decode.show_secrets,
                         "Print SASL passwords and secrets in clear");

    InfoOptions info;
    std::vector<std::string> captures;
    auto* info_cmd = app.add_subcommand(
        "info",
        "Describe capture files (or pcaps): format, policies, sessions, frames, time span, gaps");
    info_cmd->add_option("FILE", captures, "Capture files, pcap or pcapng files")->required();
    info_cmd->add_flag("--json", info.json, "One JSON object per file");
    info_cmd
        ->add_option("--port", info.ports,
                     "In pcaps, also take connections on this TCP port as AMQP when no protocol "
                     "header is seen (5672 and 5671 always are)")
        ->type_name("PORT");

    std::vector<std::string> recover_paths;
    auto* recover_cmd = app.add_subcommand(
        "recover",
        "Write the frames a killed proxy left in a capture's spool as rows (captures only)");
    recover_cmd->add_option("FILE", recover_paths, "Capture files")->required();

    ImportOptions import;
    auto* import_cmd = app.add_subcommand(
        "import", "Write the AMQP sessions of a pcap or pcapng file (gzip too) into a capture");
    import_cmd->add_option("PCAP", import.input, "The packet capture, or - for standard input")
        ->required();
    import_cmd->add_option("-o,--output", import.output, "The capture file to write (a new file)")
        ->required();
    import_cmd
        ->add_option("--port", import.ports,
                     "Also take TCP connections on this port as AMQP when no protocol header "
                     "is seen (5672 and 5671 always are)")
        ->type_name("PORT");

    Common export_common;
    std::string export_path;
    auto* export_cmd = app.add_subcommand(
        "export", "Write the selected sessions as a pcap that Wireshark and tshark dissect");
    add_selection(export_cmd, export_common);
    export_cmd->add_option("-o,--output", export_path, "The pcap file to write")->required();

    Common sessions_common;
    auto* sessions_cmd = app.add_subcommand(
        "sessions", "One line per session: client, backend, vhost, user, activity, how it ended");
    add_common(sessions_cmd, sessions_common, true);

    Common trace_common;
    TraceOptions trace;
    auto* trace_cmd = app.add_subcommand(
        "trace", "One line per frame in time order (JSON lines with --format json)");
    add_common(trace_cmd, trace_common, false);
    trace_cmd->add_option("--bodies", trace.body_preview,
                          "Show the first N printable bytes of each body");
    trace_cmd->add_flag("--heartbeats", trace.heartbeats, "Show heartbeat frames too");
    trace_cmd->add_flag("--follow,-f", trace.follow,
                        "Keep printing frames as a running proxy writes them (Ctrl-C stops)");
    int idle_exit_ms = 0;
    trace_cmd
        ->add_option("--idle-exit", idle_exit_ms,
                     "With --follow: stop after this many ms without new frames")
        ->check(CLI::NonNegativeNumber);

    Common stats_common;
    StatsOptions stats;
    std::vector<std::string> by;
    std::map<std::string, Dimension> dimensions;
    std::vector<std::string> dimension_names;
    for (const auto& [dimension, name] : kDimensions) {
        dimensions.emplace(name, dimension);
        dimension_names.emplace_back(name);
    }
    auto* stats_cmd = app.add_subcommand(
        "stats", "Counts, message traffic, sizes, latencies (RPCs, confirms, consumers), errors");
    add_common(stats_cmd, stats_common, true);
    stats_cmd
        ->add_option("--by", by,
                     "Group by these (session, vhost, channel, exchange, queue, routing-key); "
                     "default vhost,exchange,queue")
        ->delimiter(',')
        ->check(CLI::IsMember(dimension_names));
    stats_cmd->add_option("--top", stats.top, "Rows per table in text output")->default_val(20);

    Common follow_common;
    FollowOptions follow;
    auto* follow_cmd =
        app.add_subcommand("follow",
                           "Whole messages (method, properties, body) in time order; --amqp-stream "
                           "writes each amqp-stream connection's two byte streams out exactly");
    add_common(follow_cmd, follow_common, false);
    follow_cmd
        ->add_option("--bodies", follow.body_preview,
                     "Show the first N printable bytes of each body (0: none)")
        ->default_val(64);
    follow_cmd
        ->add_option("-o,--output", follow.output_dir,
                     "Write each body to a file in this directory, with messages.jsonl "
                     "(with --amqp-stream: stream-N.client-to-server and "
                     "stream-N.server-to-client)")
        ->type_name("DIR");
    follow_cmd->add_flag("--amqp-stream", follow.amqp_stream,
                         "Find amqp-stream connections and follow their byte streams");

    Common report_common;
    ReportOptions report;
    std::string report_path;
    auto* report_cmd =
        app.add_subcommand("report",
                           "One self-contained HTML page: sessions, rates and latencies over time, "
                           "histograms, a session's sequence diagram");
    add_selection(report_cmd, report_common);
    report_cmd
        ->add_option("-o,--output", report_path, "The HTML file to write (- for standard output)")
        ->required();
    report_cmd
        ->add_option("--sequence-session", report.sequence_session,
                     "Session drawn as a sequence diagram (default: the busiest)")
        ->type_name("ID");
    report_cmd
        ->add_option("--sequence-limit", report.sequence_limit,
                     "Arrows in the sequence diagram at most")
        ->check(CLI::Range(std::size_t{1}, std::size_t{100000}))
        ->default_val(200);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version exit 0; a bad command line is bad input like any other.
        return app.exit(e) == 0 ? kExitOk : kExitBadInput;
    }
    if (app.get_subcommands().empty()) {
        std::cerr << app.help()
                  << "amqp-analyze: a command is required (decode, info, import, export, sessions, "
                     "trace, stats, follow, report, recover)\n";
        return kExitBadInput;
    }
    if (info_cmd->parsed()) {
        int status = 0;
        for (std::size_t i = 0; i < captures.size(); ++i) {
            if (i > 0 && !info.json) std::cout << '\n';
            status = std::max(status, print_info(captures[i], std::cout, std::cerr, info));
        }
        return status;
    }
    if (recover_cmd->parsed()) return recover_captures(recover_paths, std::cout, std::cerr);
    if (decode_cmd->parsed()) {
        if (path == "-") return decode_stream(std::cin, std::cout, std::cerr, decode);
        std::ifstream file(path, std::ios::binary);
        if (!file) {
            std::cerr << "amqp-analyze: cannot open " << path << '\n';
            return kExitBadInput;
        }
        return decode_stream(file, std::cout, std::cerr, decode);
    }
    try {
        if (import_cmd->parsed()) return run_import(import, std::cout, std::cerr);
        if (export_cmd->parsed()) {
            auto prepared = prepare(export_common);
            if (!prepared) return kExitBadInput;
            return export_pcap(prepared->first, prepared->second, export_path, std::cout,
                               std::cerr);
        }
        if (sessions_cmd->parsed()) {
            auto prepared = prepare(sessions_common);
            if (!prepared) return kExitBadInput;
            return print_sessions(prepared->first, prepared->second,
                                  {.format = sessions_common.format}, std::cout, std::cerr);
        }
        if (trace_cmd->parsed()) {
            trace.format = trace_common.format;
            trace.idle_exit = std::chrono::milliseconds(idle_exit_ms);
            if (can_trace_pcap_directly(trace_common.inputs, trace_common.selection, trace)) {
                auto selection = make_selection(trace_common.selection, InputSet{});
                if (!selection) {
                    std::cerr << "amqp-analyze: " << selection.error() << '\n';
                    return kExitBadInput;
                }
                amqpprox::capture::PcapImportOptions pcap;
                pcap.ports.insert(pcap.ports.end(), trace_common.ports.begin(),
                                  trace_common.ports.end());
                if (const auto status = trace_pcap_directly(
                        trace_common.inputs.front(), pcap, *selection, trace, std::cout, std::cerr))
                    return *status;
            }
            auto prepared = prepare(trace_common);
            if (!prepared) return kExitBadInput;
            return print_trace(prepared->first, prepared->second, trace, std::cout, std::cerr);
        }
        if (stats_cmd->parsed()) {
            auto prepared = prepare(stats_common);
            if (!prepared) return kExitBadInput;
            stats.format = stats_common.format;
            if (!by.empty()) {
                stats.by.clear();
                for (const auto& name : by)
                    stats.by.push_back(dimensions.at(name));
            }
            return run_stats(prepared->first, prepared->second, stats, std::cout, std::cerr);
        }
        if (follow_cmd->parsed()) {
            auto prepared = prepare(follow_common);
            if (!prepared) return kExitBadInput;
            follow.format = follow_common.format;
            if (follow.amqp_stream) {
                return follow_amqp_streams(prepared->first, prepared->second, follow, std::cout,
                                           std::cerr);
            }
            return follow_messages(prepared->first, prepared->second, follow, std::cout, std::cerr);
        }
        if (report_cmd->parsed()) {
            auto prepared = prepare(report_common);
            if (!prepared) return kExitBadInput;
            report.inputs = report_common.inputs;
            // Built in memory first: a failed run leaves no half-written page behind.
            std::ostringstream page;
            const int status =
                write_report(prepared->first, prepared->second, report, page, std::cerr);
            if (page.str().empty()) return status;
            if (report_path == "-") {
                std::cout << page.str();
                return status;
            }
            std::ofstream file(report_path, std::ios::binary | std::ios::trunc);
            file << page.str();
            file.close();
            if (!file) {
                std::cerr << "amqp-analyze: cannot write " << report_path << '\n';
                return kExitBadInput;
            }
            return status;
        }
    } catch (const std::exception& e) {
        // SQLite failures while reading (a file damaged after its header, a disk error).
        std::cerr << "amqp-analyze: " << e.what() << '\n';
        return kExitBadInput;
    }
    return kExitOk;
}
