// amqp-replay: parses the command line and hands over to the replay library.
#include <cstdlib>
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>

#include "replay/replay.hpp"

int main(int argc, char** argv) {
    using namespace amqpprox::replay;
    CLI::App app{
        "amqp-replay: re-drive recorded AMQP sessions against a broker and diff its replies"};
    app.set_version_flag("--version", std::string("amqp-replay ") + AMQPPROX_VERSION);
    app.footer(
        "Exit status: 0 the broker answered as recorded, 1 differences, 2 bad input, options or "
        "a session that could not be replayed.\nCredentials: from --target, else "
        "AMQP_REPLAY_USER / AMQP_REPLAY_PASSWORD, else guest/guest.");

    ReplayOptions o;
    auto& s = o.selection;
    app.add_option("INPUT", o.inputs, "Capture files (a rotation's files, or its base name)")
        ->required();
    app.add_option("--target", o.target,
                   "Broker to replay against: amqp[s]://user:pass@host:port/vhost")
        ->required();
    app.add_option("--session", s.sessions, "Only these sessions (ID, or INPUT:ID)")
        ->type_name("ID");
    app.add_option("--vhost", s.vhost, "Only sessions on this vhost");
    app.add_option("--channel", s.channel, "Only sessions with frames on this channel");
    app.add_option("--method", s.methods, "Only sessions using these methods");
    app.add_option("--exchange", s.exchange, "Only sessions naming this exchange");
    app.add_option("--routing-key", s.routing_key, "Only sessions using this routing key");
    app.add_option("--queue", s.queue, "Only sessions naming this queue");
    app.add_option("--from", s.from, "Only sessions with frames from this time on (UTC)");
    app.add_option("--to", s.to, "Only sessions with frames before this time");
    app.add_option("--vhost-map", o.vhost_maps, "Replay sessions of vhost OLD in vhost NEW")
        ->type_name("OLD=NEW");
    app.add_option("--rewrite", o.rewrites, "Rename: exchange:OLD=NEW or queue:OLD=NEW")
        ->type_name("KIND:OLD=NEW");
    app.add_option("--prefix", o.prefix,
                   "Prefix every exchange and queue name (not amq.*, the default exchange, or "
                   "server-named queues)");
    app.add_option("--speed", o.speed, "max, 1 (recorded pace) or N (N times faster)")
        ->default_str("max");
    app.add_option("--concurrency", o.concurrency, "Sessions replayed at once")->default_str("8");
    app.add_option("--timeout", o.timeout_ms, "Milliseconds to wait for each awaited reply")
        ->type_name("MS")
        ->default_str("5000");
    app.add_flag("--loose", o.loose, "Ignore message and consumer counts in the diff");
    std::string format = "text";
    app.add_option("--format", format, "Report form")
        ->check(CLI::IsMember({"text", "json", "junit"}, CLI::ignore_case))
        ->default_str("text");
    app.add_option("--record", o.record,
                   "Capture the replayed traffic (both directions) into this new capture file")
        ->type_name("FILE");
    app.add_option("--ca", o.tls.ca_file,
                   "amqps: trust the CA certificates in this PEM file (default: the system's)")
        ->type_name("FILE");
    app.add_flag("--insecure", o.tls.insecure,
                 "amqps: do not verify the broker's certificate (still encrypted)");
    app.add_flag("--dry-run", o.dry_run, "Print the schedule and rewrites; do not connect");
    app.add_flag("--realtime", o.realtime,
                 "With --speed N: send from a real-time (SCHED_FIFO) thread, for exact pacing "
                 "on a busy machine (needs root, CAP_SYS_NICE or ulimit -r 1)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }
    const std::map<std::string, ReportFormat> formats{
        {"text", ReportFormat::text}, {"json", ReportFormat::json}, {"junit", ReportFormat::junit}};
    o.format = formats.at(CLI::detail::to_lower(format));
    return run_replay(o, std::cout, std::cerr, [](const char* name) -> std::optional<std::string> {
        const char* value = std::getenv(name);
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    });
}
