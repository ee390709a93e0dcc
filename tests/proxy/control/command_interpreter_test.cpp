#include "proxy/control/command_interpreter.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "fake_target.hpp"

using namespace amqpprox::control;
using amqpprox::control::testing::FakeTarget;

namespace {

struct Fixture {
    ConfigStore store;
    FakeTarget target;
    CommandInterpreter interpreter{store, target, testing::fake_resolver()};

    std::string run(std::string_view line) { return interpreter.execute(line).text; }
};

using Calls = std::vector<std::string>;

}  // namespace

TEST_CASE("HELP, empty lines and unknown verbs", "[control]") {
    Fixture f;
    const auto help = CommandInterpreter::help_text();
    CHECK(f.run("HELP") == help);
    CHECK(f.run("help") == help);
    CHECK(f.run("   ") == help);
    CHECK(f.run("FROB x") == "Unknown command 'FROB'. Commands:\n" + help);
    // one line per verb, sorted, each naming its verb first
    std::vector<std::string> verbs;
    for (std::size_t at = 0; at < help.size();) {
        const auto end = help.find('\n', at);
        const auto line = help.substr(at, end - at);
        verbs.push_back(line.substr(0, line.find(' ')));
        at = end + 1;
    }
    CHECK(verbs == std::vector<std::string>{"BACKEND", "CAPTURE", "CONN", "DATACENTER", "EXIT",
                                            "FARM", "HELP", "LIMIT", "LISTEN", "LOG", "MAP",
                                            "MAPHOSTNAME", "METRICS", "SESSION", "STAT", "TLS",
                                            "VHOST"});
}

TEST_CASE("BACKEND ADD, ADD_DNS, PRINT, DELETE", "[control]") {
    Fixture f;
    CHECK(f.run("BACKEND ADD rabbit1 london-az1 localhost 5672") == "");
    CHECK(f.run("backend add Rabbit2 NY rabbit2.example 5673 tls send-proxy") == "");
    CHECK(f.run("BACKEND ADD_DNS rabbit3 ny rabbits.internal 5674 SEND-PROXY") == "");
    CHECK(f.run("BACKEND ADD_DNS Rabbit4 ny rabbits.internal 5675 send-proxy-v2 TLS") == "");
    CHECK(f.run("BACKEND PRINT") ==
          "Rabbit2 (NY): rabbit2.example 127.0.0.12:5673 PROXY PROTOCOL V1 ENABLED TLS\n"
          "Rabbit4 (ny): rabbits.internal:5675 DNS PROXY PROTOCOL V2 ENABLED TLS\n"
          "rabbit1 (london-az1): localhost 127.0.0.1:5672\n"
          "rabbit3 (ny): rabbits.internal:5674 DNS PROXY PROTOCOL V1 ENABLED\n");
    CHECK(f.store.backend("Rabbit4")->send_proxy == ProxyProtocol::v2);
    const auto b = f.store.backend("Rabbit2");
    REQUIRE(b);
    CHECK(b->tls);
    CHECK(b->send_proxy == ProxyProtocol::v1);
    CHECK_FALSE(b->dns);
    CHECK(f.store.backend("rabbit3")->dns);
    CHECK(f.store.backend("rabbit3")->ip.empty());

    // Once the proxy has looked the name up (every 30 s), PRINT shows what it resolved to.
    f.target.resolutions["rabbits.internal:5674"] = {{"10.0.0.7:5674", "10.0.0.8:5674"}, "", 12};
    CHECK(f.run("BACKEND PRINT")
              .ends_with("rabbit3 (ny): rabbits.internal:5674 DNS (10.0.0.7:5674 10.0.0.8:5674 "
                         "resolved 12 s ago) "
                         "PROXY PROTOCOL V1 ENABLED\n"));
    f.target.resolutions["rabbits.internal:5674"] = {{}, "Host not found (authoritative)", 3};
    CHECK(f.run("BACKEND PRINT")
              .ends_with("rabbit3 (ny): rabbits.internal:5674 DNS (lookup failed: Host not found "
                         "(authoritative) "
                         "3 s ago) PROXY PROTOCOL V1 ENABLED\n"));

    CHECK(f.run("BACKEND ADD rabbit1 x localhost 5672") ==
          "Backend 'rabbit1' already exists; BACKEND DELETE it first\n");
    CHECK(f.run("BACKEND DELETE rabbit1") == "");
    CHECK(f.run("BACKEND DELETE rabbit1") == "Backend 'rabbit1' not found\n");
}

TEST_CASE("BACKEND errors name the problem and the grammar", "[control]") {
    Fixture f;
    const std::string add =
        "; expected BACKEND ADD name datacenter host port [SEND-PROXY|SEND-PROXY-V2] [TLS]\n";
    CHECK(f.run("BACKEND ADD a b c") == "BACKEND ADD: missing arguments" + add);
    CHECK(f.run("BACKEND ADD a b c 1 TLS TLS TLS") == "BACKEND ADD: too many arguments" + add);
    CHECK(f.run("BACKEND ADD a b localhost 0") ==
          "BACKEND ADD: invalid port '0' (a number from 1 to 65535)" + add);
    CHECK(f.run("BACKEND ADD a b localhost 65536") ==
          "BACKEND ADD: invalid port '65536' (a number from 1 to 65535)" + add);
    CHECK(f.run("BACKEND ADD a b localhost 56x") ==
          "BACKEND ADD: invalid port '56x' (a number from 1 to 65535)" + add);
    CHECK(f.run("BACKEND ADD a b localhost 5672 FAST") == "BACKEND ADD: unknown flag 'FAST'" + add);
    CHECK(f.run("BACKEND ADD a b localhost 5672 SEND-PROXY SEND-PROXY-V2") ==
          "BACKEND ADD: SEND-PROXY given twice (one PROXY protocol version)" + add);
    CHECK(f.run("BACKEND ADD_DNS a b") ==
          "BACKEND ADD_DNS: missing arguments; expected BACKEND ADD_DNS name datacenter host "
          "port [SEND-PROXY|SEND-PROXY-V2] [TLS]\n");
    CHECK(f.run("BACKEND ADD a b nowhere.invalid 5672") ==
          "Failed to resolve 'nowhere.invalid': Name or service not known\n");
    CHECK(f.run("BACKEND DELETE") ==
          "BACKEND DELETE: missing name; expected BACKEND DELETE name\n");
    const std::string usage =
        "; expected BACKEND (ADD name datacenter host port [SEND-PROXY|SEND-PROXY-V2] [TLS] | "
        "ADD_DNS name datacenter host port [SEND-PROXY|SEND-PROXY-V2] [TLS] | DELETE name | "
        "PRINT)\n";
    CHECK(f.run("BACKEND") == "BACKEND: missing subcommand" + usage);
    CHECK(f.run("BACKEND LIST") == "BACKEND: subcommand 'LIST' not recognized" + usage);
    CHECK(f.store.backends().empty());
}

TEST_CASE("FARM ADD, PARTITION, PRINT, DELETE", "[control]") {
    Fixture f;
    f.run("BACKEND ADD r1 ldn localhost 5672");
    f.run("BACKEND ADD r2 ny localhost 5673");
    CHECK(f.run("FARM ADD shared round-robin r2 r1") == "");
    CHECK(f.run("FARM ADD_MANUAL empty round-robin") == "");
    CHECK(f.run("FARM PARTITION shared datacenter-affinity") == "");
    CHECK(f.run("FARM PRINT") == "empty: \nshared: r1 r2 \n");
    CHECK(f.store.farm("shared")->members == std::vector<std::string>{"r2", "r1"});
    CHECK(f.store.farm("shared")->policies ==
          std::vector<PartitionPolicy>{PartitionPolicy::datacenter_affinity});
    CHECK(f.run("FARM ADD bad round-robin r1 r9") ==
          "Backend 'r9' not found\nFarm not inserted due to at least one missing Backend\n");
    CHECK(f.run("FARM ADD bad random r1") ==
          "Selector 'random' not found; the only selector is round-robin\n");
    CHECK(f.run("FARM ADD bad") ==
          "FARM ADD: missing arguments; expected FARM ADD name selector backend*\n");
    CHECK(f.run("FARM PARTITION shared nearest") ==
          "Partition policy 'nearest' not found; the only policy is datacenter-affinity\n");
    CHECK(f.run("FARM PARTITION nope datacenter-affinity") == "Farm 'nope' not found\n");
    CHECK(f.run("FARM PARTITION shared") ==
          "FARM PARTITION: missing arguments; expected FARM PARTITION name "
          "datacenter-affinity\n");
    CHECK(f.run("FARM DELETE empty") == "");
    CHECK(f.run("FARM DELETE empty") == "Farm 'empty' not found\n");
    CHECK(f.run("FARM ADD_DNS x rabbit.example 5672")
              .starts_with("FARM ADD_DNS no longer exists: add DNS backends with BACKEND ADD_DNS"));
    CHECK(f.run("FARM GROW x") ==
          "FARM: subcommand 'GROW' not recognized; expected FARM (ADD name selector backend* | "
          "ADD_MANUAL name selector backend* | PARTITION name policy | DELETE name | PRINT)\n");
}

TEST_CASE("MAP and routing through the interpreter's store", "[control]") {
    Fixture f;
    f.run("BACKEND ADD rabbit1 ldn localhost 5672");
    f.run("FARM ADD shared1 round-robin rabbit1");
    CHECK(f.run("MAP BACKEND vhost-example rabbit1") == "");
    CHECK(f.run("MAP FARM / shared1") == "");
    CHECK(f.run("MAP FARM Later not-yet-defined") == "");  // targets are not checked here
    CHECK(f.run("MAP DEFAULT shared1") == "");
    CHECK(f.run("MAP PRINT") ==
          "\"/\" => Farm:shared1\n\"Later\" => Farm:not-yet-defined\n"
          "\"vhost-example\" => Backend:rabbit1\nDEFAULT => Farm:shared1\n");
    CHECK(f.store.route("anything")->candidates.at(0).name == "rabbit1");
    CHECK(f.run("MAP UNMAP Later") == "");
    CHECK(f.run("MAP UNMAP Later") == "Vhost 'Later' is not mapped\n");
    CHECK(f.run("MAP REMOVE_DEFAULT") == "");
    CHECK(f.store.route("anything").error() == "No known broker mapping for vhost anything");
    CHECK(f.run("MAP BACKEND v") ==
          "MAP BACKEND: missing arguments; expected MAP BACKEND vhost backend\n");
    CHECK(f.run("MAP DEFAULT a b") ==
          "MAP DEFAULT: too many arguments; expected MAP DEFAULT farm\n");
    CHECK(f.run("MAP SHOW") ==
          "MAP: subcommand 'SHOW' not recognized; expected MAP (BACKEND vhost backend | FARM "
          "vhost farm | UNMAP vhost | DEFAULT farm | REMOVE_DEFAULT | PRINT)\n");
}

TEST_CASE("LISTEN", "[control]") {
    Fixture f;
    CHECK(f.run("LISTEN START 5673") == "");
    CHECK(f.run("listen start_secure 5671") == "");
    CHECK(f.run("LISTEN START 5674 proxy") == "");
    CHECK(f.run("LISTEN STOP 5673") == "");
    CHECK(f.run("LISTEN STOP") == "");
    CHECK(f.target.calls == Calls{"listen_start 5673 plain", "listen_start 5671 secure",
                                  "listen_start 5674 plain proxy", "listen_stop 5673",
                                  "listen_stop all"});
    f.target.fail_next = "Cannot listen on 0.0.0.0:80: Permission denied";
    CHECK(f.run("LISTEN START 80") == "Cannot listen on 0.0.0.0:80: Permission denied\n");
    CHECK(f.run("LISTEN START 99999") ==
          "LISTEN START: invalid port '99999' (a number from 1 to 65535); expected LISTEN START "
          "port [PROXY]\n");
    CHECK(f.run("LISTEN START") ==
          "LISTEN START: missing port; expected LISTEN START port [PROXY]\n");
    CHECK(f.run("LISTEN START 5673 HAPROXY") ==
          "LISTEN START: unknown flag 'HAPROXY'; expected LISTEN START port [PROXY]\n");
    CHECK(f.run("LISTEN START 5673 PROXY PROXY") ==
          "LISTEN START: too many arguments; expected LISTEN START port [PROXY]\n");
    CHECK(f.run("LISTEN STOP x") ==
          "LISTEN STOP: invalid port 'x' (a number from 1 to 65535); expected LISTEN STOP "
          "[port]\n");
    CHECK(f.run("LISTEN PAUSE") ==
          "LISTEN: subcommand 'PAUSE' not recognized; expected LISTEN (START port [PROXY] | "
          "START_SECURE port [PROXY] | STOP [port])\n");
}

TEST_CASE("CONN and SESSION", "[control]") {
    Fixture f;
    CHECK(f.run("CONN") == "");
    f.target = FakeTarget::with_canned_data();
    const auto conn = f.run("CONN");
    CHECK(conn.starts_with("id=1 vhost=/ disconnected=N paused=N authDenied=N "));
    CHECK(conn.find("\nid=2 vhost=vhost-example disconnected=N paused=Y ") != std::string::npos);
    CHECK(f.run("CONN extra") == "CONN: unexpected argument 'extra'; expected CONN\n");

    CHECK(f.run("SESSION 1 DISCONNECT_GRACEFUL") == "");
    CHECK(f.run("session 2 pause") == "");
    CHECK(f.run("SESSION 9 FORCE_DISCONNECT") == "Session not found.\n");
    CHECK(f.target.calls == Calls{"session_action 1 disconnect_graceful", "session_action 2 pause",
                                  "session_action 9 force_disconnect"});
    const std::string usage =
        "; expected SESSION id (PAUSE | DISCONNECT_GRACEFUL | FORCE_DISCONNECT)\n";
    CHECK(f.run("SESSION 1") == "SESSION: missing arguments" + usage);
    CHECK(f.run("SESSION one PAUSE") == "SESSION: invalid session id 'one' (see CONN)" + usage);
    CHECK(f.run("SESSION 1 UNPAUSE") == "SESSION: action 'UNPAUSE' not recognized" + usage);
}

TEST_CASE("VHOST pause state lives in the store and reaches the target", "[control]") {
    Fixture f;
    CHECK(f.run("VHOST PRINT") == "");
    CHECK(f.run("VHOST PAUSE Prod") == "");
    CHECK(f.store.paused("Prod"));
    CHECK(f.run("VHOST PRINT") == "Prod = PAUSED\n");
    CHECK(f.run("VHOST UNPAUSE Prod") == "");
    CHECK_FALSE(f.store.paused("Prod"));
    CHECK(f.run("VHOST PRINT") == "Prod = UNPAUSED\n");
    CHECK(f.run("VHOST BACKEND_DISCONNECT Prod") == "");
    CHECK(f.run("VHOST FORCE_DISCONNECT Prod") == "");
    CHECK(f.target.calls == Calls{"vhost_action Prod pause", "vhost_action Prod unpause",
                                  "vhost_action Prod backend_disconnect",
                                  "vhost_action Prod force_disconnect"});
    CHECK(f.run("VHOST PAUSE") == "VHOST PAUSE: missing vhost; expected VHOST PAUSE vhost\n");
    CHECK(f.run("VHOST STOP x") ==
          "VHOST: subcommand 'STOP' not recognized; expected VHOST (PAUSE vhost | UNPAUSE vhost "
          "| PRINT | BACKEND_DISCONNECT vhost | FORCE_DISCONNECT vhost)\n");
}

TEST_CASE("STAT LISTEN streams, SEND and STOP SEND", "[control]") {
    Fixture f;
    f.target = FakeTarget::with_canned_data();
    const auto reply = f.interpreter.execute("STAT LISTEN json overall");
    REQUIRE(reply.stream);
    CHECK(reply.stream->format == StatFormat::json);
    CHECK(reply.stream->view == StatView{StatView::Kind::overall, ""});
    CHECK(nlohmann::json::parse(reply.text)["activeConnectionCount"] == 2);

    const auto all = f.interpreter.execute("stat listen HUMAN");
    REQUIRE(all.stream);
    CHECK(all.stream->view.kind == StatView::Kind::all);
    CHECK(all.text.starts_with("Overall:\n"));
    CHECK(f.interpreter.execute("STAT LISTEN json vhost=vhost-example").stream->view ==
          StatView{StatView::Kind::vhost, "vhost-example"});
    CHECK(f.interpreter.execute("STAT LISTEN json BACKEND=127.0.0.1_5672").stream->view ==
          StatView{StatView::Kind::backend, "127.0.0.1_5672"});
    CHECK(f.interpreter.execute("STAT LISTEN json source=10.0.0.7").stream->view ==
          StatView{StatView::Kind::source, "10.0.0.7"});
    CHECK(f.interpreter.execute("STAT LISTEN human process").text ==
          "CPU%: 5 USR%: 3 SYS%: 2 RSS: 12 MB\n");

    const std::string expected =
        "; expected STAT LISTEN (json|human) "
        "[all|overall|process|captures|vhost=V|backend=B|source=IP]\n";
    CHECK(f.run("STAT LISTEN") == "STAT LISTEN: missing output format" + expected);
    CHECK(f.run("STAT LISTEN xml") == "STAT LISTEN: unknown output format 'xml'" + expected);
    CHECK(f.run("STAT LISTEN json everything") ==
          "STAT LISTEN: unknown view 'everything'" + expected);
    CHECK(f.run("STAT LISTEN json queue=q") == "STAT LISTEN: unknown filter 'queue=q'" + expected);
    CHECK(f.run("STAT LISTEN json vhost=") == "STAT LISTEN: no value for vhost" + expected);
    CHECK(f.run("STAT LISTEN json bufferpool") ==
          "STAT LISTEN: bufferpool is not available (this proxy has no buffer pool)" + expected);
    CHECK_FALSE(f.interpreter.execute("STAT LISTEN xml").stream);

    CHECK(f.run("STAT SEND statsd.local 8125") == "Sending stats on statsd.local:8125\n");
    CHECK(f.run("STAT STOP SEND") == "Stopped sending stats.\n");
    CHECK(f.run("STAT SEND statsd.local 8125 overall") ==
          "STAT SEND: filters are not supported when sending stats; expected STAT SEND host "
          "port\n");
    CHECK(f.run("STAT SEND statsd.local") ==
          "STAT SEND: missing arguments; expected STAT SEND host port\n");
    CHECK(f.run("STAT STOP") == "STAT STOP: missing SEND; expected STAT STOP SEND\n");
    CHECK(f.run("STAT STOP LISTEN") ==
          "STAT STOP: unrecognized argument 'LISTEN'; expected STAT STOP SEND\n");
    CHECK(
        f.run("STAT SHOW").starts_with("STAT: subcommand 'SHOW' not recognized; expected STAT ("));
}

TEST_CASE("LOG, DATACENTER, MAPHOSTNAME, EXIT", "[control]") {
    Fixture f;
    CHECK(f.run("LOG CONSOLE 5") == "");
    CHECK(f.run("log file 0") == "");
    const std::string usage =
        "; expected LOG (CONSOLE level | FILE level | FORMAT text|json), level 0-5 "
        "(FATAL..TRACE)\n";
    CHECK(f.run("LOG FILE 6") == "LOG FILE: invalid level '6'" + usage);
    CHECK(f.run("LOG FILE") == "LOG FILE: missing level" + usage);
    CHECK(f.run("LOG SYSLOG 1") == "LOG: subcommand 'SYSLOG' not recognized" + usage);
    CHECK(f.run("LOG FORMAT json") == "");
    CHECK(f.run("log format TEXT") == "");
    CHECK(f.run("LOG FORMAT") == "LOG FORMAT: missing format; expected LOG FORMAT text|json\n");
    CHECK(f.run("LOG FORMAT xml") ==
          "LOG FORMAT: unknown format 'xml'; expected LOG FORMAT text|json\n");
    CHECK(f.run("LOG FORMAT json 1") ==
          "LOG FORMAT: too many arguments; expected LOG FORMAT text|json\n");

    CHECK(f.run("DATACENTER PRINT") == "");
    CHECK(f.run("DATACENTER SET London-AZ1") == "");
    CHECK(f.run("DATACENTER PRINT") == "London-AZ1\n");
    CHECK(f.store.datacenter() == "London-AZ1");
    CHECK(f.run("DATACENTER SET") ==
          "DATACENTER SET: missing name; expected DATACENTER SET name\n");

    CHECK(f.run("MAPHOSTNAME DNS") == "Hostname mapper set for all current sessions.\n");
    CHECK(f.run("MAPHOSTNAME") == "MAPHOSTNAME: missing DNS; expected MAPHOSTNAME DNS\n");

    const auto exit = f.interpreter.execute("EXIT");
    CHECK(exit.text == "Exiting.\n");
    CHECK(exit.exit);
    CHECK(f.target.calls == Calls{"set_log_level console 5", "set_log_level file 0",
                                  "set_log_format json", "set_log_format text",
                                  "enable_hostname_mapping", "request_exit"});
}

TEST_CASE("CAPTURE START, PRINT, STOP", "[control]") {
    Fixture f;
    CHECK(f.run("CAPTURE PRINT") == "");
    CHECK(f.run("CAPTURE START /tmp/a.amqpcap vhost=/ bodies=none") == "");
    CHECK(f.run("capture start /tmp/B.amqpcap sample=10%") == "");
    CHECK(f.run("CAPTURE START /tmp/a.amqpcap") == "Already capturing into /tmp/a.amqpcap.\n");
    CHECK(f.run("CAPTURE PRINT") ==
          "/tmp/a.amqpcap vhost=/ bodies=none sessions=0 written=0 dropped=0\n"
          "/tmp/B.amqpcap sample=10% bodies=all sessions=0 written=0 dropped=0\n");
    CHECK(f.run("CAPTURE START /tmp/c.amqpcap sample=200%") ==
          "CAPTURE START: invalid sample '200%': expected a percentage from 0 to 100, e.g. "
          "sample=10%\n");
    CHECK(f.run("CAPTURE STOP /tmp/a.amqpcap") == "Stopped capture /tmp/a.amqpcap\n");
    CHECK(f.run("CAPTURE STOP /tmp/a.amqpcap") == "Not capturing into /tmp/a.amqpcap.\n");
    CHECK(f.run("CAPTURE STOP") == "Stopped capture /tmp/B.amqpcap\n");
    CHECK(f.run("CAPTURE STOP") == "");
    CHECK(f.run("CAPTURE") ==
          "CAPTURE: missing subcommand; expected CAPTURE (START file [vhost=V] [backend=B] "
          "[source=IP] [session=N] [sample=P%] [bodies=all|none|BYTES] | STOP [file] | PRINT)\n");
}

TEST_CASE("METRICS LISTEN, STOP, PRINT", "[control]") {
    Fixture f;
    CHECK(f.run("METRICS PRINT") == "");
    CHECK(f.run("METRICS LISTEN 9187") == "Serving metrics on http://127.0.0.1:9187/metrics\n");
    CHECK(f.run("metrics listen 9188 ::1") == "Serving metrics on http://[::1]:9188/metrics\n");
    CHECK(f.run("METRICS PRINT") == "http://127.0.0.1:9187/metrics\nhttp://[::1]:9188/metrics\n");
    CHECK(f.run("METRICS LISTEN 9187") ==
          "Already serving metrics on http://127.0.0.1:9187/metrics; METRICS STOP 9187 first.\n");
    CHECK(f.run("METRICS STOP 9188") == "");
    CHECK(f.run("METRICS STOP 9188") == "Not serving metrics on port 9188.\n");
    CHECK(f.run("METRICS STOP") == "");
    CHECK(f.run("METRICS PRINT") == "");
    CHECK(f.target.calls == Calls{"metrics_listen 9187 127.0.0.1", "metrics_listen 9188 ::1",
                                  "metrics_listen 9187 127.0.0.1", "metrics_stop 9188",
                                  "metrics_stop 9188", "metrics_stop all"});

    const std::string listen = "; expected METRICS LISTEN port [address] (default 127.0.0.1)\n";
    CHECK(f.run("METRICS LISTEN") == "METRICS LISTEN: missing port" + listen);
    CHECK(f.run("METRICS LISTEN 0") ==
          "METRICS LISTEN: invalid port '0' (a number from 1 to 65535)" + listen);
    CHECK(f.run("METRICS LISTEN 1 a b") == "METRICS LISTEN: too many arguments" + listen);
    CHECK(f.run("METRICS STOP x") ==
          "METRICS STOP: invalid port 'x' (a number from 1 to 65535); expected METRICS STOP "
          "[port]\n");
    CHECK(f.run("METRICS PRINT all") ==
          "METRICS PRINT: too many arguments; expected METRICS PRINT\n");
    const std::string usage = "; expected METRICS (LISTEN port [address] | STOP [port] | PRINT)\n";
    CHECK(f.run("METRICS") == "METRICS: missing subcommand" + usage);
    CHECK(f.run("METRICS SERVE 1") == "METRICS: subcommand 'SERVE' not recognized" + usage);
    f.target.fail_next = "Cannot serve metrics on 127.0.0.1 port 80: Permission denied";
    CHECK(f.run("METRICS LISTEN 80") ==
          "Cannot serve metrics on 127.0.0.1 port 80: Permission denied\n");
}
