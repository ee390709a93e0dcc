#include "proxy/control/command_interpreter.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include "proxy/control/limit_command.hpp"

namespace amqpprox::control {

namespace {

using Words = std::vector<std::string_view>;

Words split(std::string_view line) {
    Words words;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i])))
            ++i;
        const auto start = i;
        while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i])))
            ++i;
        if (i > start) words.push_back(line.substr(start, i - start));
    }
    return words;
}

std::string upper(std::string_view word) {
    std::string out(word);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

std::string lower(std::string_view word) {
    std::string out(word);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

Reply text(std::string body) {
    if (!body.empty() && body.back() != '\n') body += '\n';
    return Reply{std::move(body), std::nullopt, false};
}

Reply silent() {
    return Reply{};
}

// "<what>: <problem>; expected <usage>".
Reply usage(std::string_view what, std::string_view problem, std::string_view expected) {
    return text(std::string(what) + ": " + std::string(problem) + "; expected " +
                std::string(expected));
}

Reply from(const tl::expected<void, std::string>& status) {
    return status ? silent() : text(status.error());
}

std::optional<std::uint64_t> parse_number(std::string_view word) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), n);
    if (word.empty() || ec != std::errc{} || end != word.data() + word.size()) return std::nullopt;
    return n;
}

std::optional<std::uint16_t> parse_port(std::string_view word) {
    const auto n = parse_number(word);
    if (!n || *n == 0 || *n > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(*n);
}

std::string bad_port(std::string_view word) {
    return "invalid port '" + std::string(word) + "' (a number from 1 to 65535)";
}

std::string unknown_subcommand(std::string_view sub) {
    return "subcommand '" + std::string(sub) + "' not recognized";
}

// ---- BACKEND ----

constexpr std::string_view kBackendUsage =
    "BACKEND (ADD name datacenter host port [SEND-PROXY|SEND-PROXY-V2] [TLS] | ADD_DNS name "
    "datacenter host port [SEND-PROXY|SEND-PROXY-V2] [TLS] | DELETE name | PRINT)";

Reply backend_command(ConfigStore& store, ControlTarget& target, const Resolver& resolver,
                      const Words& args) {
    if (args.empty()) return usage("BACKEND", "missing subcommand", kBackendUsage);
    const auto sub = upper(args[0]);
    if (sub == "ADD" || sub == "ADD_DNS") {
        const auto what = "BACKEND " + sub;
        const auto expected = what + " name datacenter host port [SEND-PROXY|SEND-PROXY-V2] [TLS]";
        if (args.size() < 5) return usage(what, "missing arguments", expected);
        if (args.size() > 7) return usage(what, "too many arguments", expected);
        Backend backend;
        backend.name = std::string(args[1]);
        backend.datacenter = std::string(args[2]);
        backend.host = std::string(args[3]);
        const auto port = parse_port(args[4]);
        if (!port) return usage(what, bad_port(args[4]), expected);
        backend.port = *port;
        backend.dns = sub == "ADD_DNS";
        for (std::size_t i = 5; i < args.size(); ++i) {
            const auto flag = upper(args[i]);
            if (flag == "SEND-PROXY" || flag == "SEND-PROXY-V2") {
                if (backend.send_proxy != ProxyProtocol::none) {
                    return usage(what, "SEND-PROXY given twice (one PROXY protocol version)",
                                 expected);
                }
                backend.send_proxy = flag == "SEND-PROXY" ? ProxyProtocol::v1 : ProxyProtocol::v2;
            } else if (flag == "TLS") {
                backend.tls = true;
            } else {
                return usage(what, "unknown flag '" + std::string(args[i]) + "'", expected);
            }
        }
        if (store.backend(backend.name)) {
            return text("Backend '" + backend.name + "' already exists; BACKEND DELETE it first");
        }
        if (!backend.dns) {
            // amqpprox resolves once, here, and keeps the first address.
            auto addresses = resolver(backend.host);
            if (!addresses) {
                return text("Failed to resolve '" + backend.host + "': " + addresses.error());
            }
            if (addresses->empty()) {
                return text("Failed to resolve '" + backend.host + "': no addresses");
            }
            backend.ip = addresses->front();
        }
        return from(store.add_backend(std::move(backend)));
    }
    if (sub == "DELETE") {
        if (args.size() != 2) {
            return usage("BACKEND DELETE", args.size() < 2 ? "missing name" : "too many arguments",
                         "BACKEND DELETE name");
        }
        return from(store.remove_backend(std::string(args[1])));
    }
    if (sub == "PRINT") {
        std::string out;
        for (const auto& backend : store.backends()) {
            out += backend.print(backend.dns ? target.dns_resolution(backend.host, backend.port)
                                             : std::nullopt) +
                   "\n";
        }
        return text(std::move(out));
    }
    return usage("BACKEND", unknown_subcommand(args[0]), kBackendUsage);
}

// ---- FARM ----

constexpr std::string_view kFarmUsage =
    "FARM (ADD name selector backend* | ADD_MANUAL name selector backend* | PARTITION name "
    "policy | DELETE name | PRINT)";

Reply farm_command(ConfigStore& store, const Words& args) {
    if (args.empty()) return usage("FARM", "missing subcommand", kFarmUsage);
    const auto sub = upper(args[0]);
    if (sub == "ADD" || sub == "ADD_MANUAL") {
        const auto what = "FARM " + sub;
        if (args.size() < 3) {
            return usage(what, "missing arguments", what + " name selector backend*");
        }
        if (args[2] != "round-robin") {
            return text("Selector '" + std::string(args[2]) +
                        "' not found; the only selector is round-robin");
        }
        Farm farm;
        farm.name = std::string(args[1]);
        farm.selector = std::string(args[2]);
        for (std::size_t i = 3; i < args.size(); ++i)
            farm.members.emplace_back(args[i]);
        return from(store.add_farm(std::move(farm)));
    }
    if (sub == "PARTITION") {
        if (args.size() != 3) {
            return usage("FARM PARTITION",
                         args.size() < 3 ? "missing arguments" : "too many arguments",
                         "FARM PARTITION name datacenter-affinity");
        }
        if (args[2] != "datacenter-affinity") {
            return text("Partition policy '" + std::string(args[2]) +
                        "' not found; the only policy is datacenter-affinity");
        }
        return from(
            store.add_partition_policy(std::string(args[1]), PartitionPolicy::datacenter_affinity));
    }
    if (sub == "DELETE") {
        if (args.size() != 2) {
            return usage("FARM DELETE", args.size() < 2 ? "missing name" : "too many arguments",
                         "FARM DELETE name");
        }
        return from(store.remove_farm(std::string(args[1])));
    }
    if (sub == "PRINT") {
        std::string out;
        for (const auto& farm : store.farms())
            out += farm.print() + "\n";
        return text(std::move(out));
    }
    if (sub == "ADD_DNS" || sub == "POLICY") {
        // Old amqpprox forms its Robot tests still send: point at what replaced them.
        return text("FARM " + sub +
                    " no longer exists: add DNS backends with BACKEND ADD_DNS name datacenter "
                    "host port, then FARM ADD name round-robin backend* and FARM PARTITION name "
                    "policy");
    }
    return usage("FARM", unknown_subcommand(args[0]), kFarmUsage);
}

// ---- MAP ----

constexpr std::string_view kMapUsage =
    "MAP (BACKEND vhost backend | FARM vhost farm | UNMAP vhost | DEFAULT farm | REMOVE_DEFAULT "
    "| PRINT)";

Reply map_command(ConfigStore& store, const Words& args) {
    if (args.empty()) return usage("MAP", "missing subcommand", kMapUsage);
    const auto sub = upper(args[0]);
    const auto arity = [&](std::size_t n, std::string_view expected) -> std::optional<Reply> {
        if (args.size() == n + 1) return std::nullopt;
        return usage("MAP " + sub, args.size() < n + 1 ? "missing arguments" : "too many arguments",
                     expected);
    };
    if (sub == "BACKEND" || sub == "FARM") {
        const auto expected =
            sub == "BACKEND" ? "MAP BACKEND vhost backend" : "MAP FARM vhost farm";
        if (auto bad = arity(2, expected)) return *bad;
        store.map(std::string(args[1]),
                  Mapping{sub == "BACKEND" ? Mapping::Kind::backend : Mapping::Kind::farm,
                          std::string(args[2])});
        return silent();
    }
    if (sub == "UNMAP") {
        if (auto bad = arity(1, "MAP UNMAP vhost")) return *bad;
        return from(store.unmap(std::string(args[1])));
    }
    if (sub == "DEFAULT") {
        if (auto bad = arity(1, "MAP DEFAULT farm")) return *bad;
        store.set_default_farm(std::string(args[1]));
        return silent();
    }
    if (sub == "REMOVE_DEFAULT") {
        if (auto bad = arity(0, "MAP REMOVE_DEFAULT")) return *bad;
        store.remove_default_farm();
        return silent();
    }
    if (sub == "PRINT") {
        std::string out;
        for (const auto& [vhost, mapping] : store.mappings()) {
            out += "\"" + vhost + "\" => " +
                   (mapping.kind == Mapping::Kind::backend ? "Backend:" : "Farm:") +
                   mapping.target + "\n";
        }
        if (const auto farm = store.default_farm()) out += "DEFAULT => Farm:" + *farm + "\n";
        return text(std::move(out));
    }
    return usage("MAP", unknown_subcommand(args[0]), kMapUsage);
}

// ---- LISTEN ----

constexpr std::string_view kListenUsage =
    "LISTEN (START port [PROXY] | START_SECURE port [PROXY] | STOP [port])";

Reply listen_command(ControlTarget& target, const Words& args) {
    if (args.empty()) return usage("LISTEN", "missing subcommand", kListenUsage);
    const auto sub = upper(args[0]);
    if (sub == "START" || sub == "START_SECURE") {
        const auto what = "LISTEN " + sub;
        const auto expected = what + " port [PROXY]";
        if (args.size() < 2 || args.size() > 3) {
            return usage(what, args.size() < 2 ? "missing port" : "too many arguments", expected);
        }
        const auto port = parse_port(args[1]);
        if (!port) return usage(what, bad_port(args[1]), expected);
        // PROXY: a load balancer in front sends a PROXY protocol header first.
        const bool proxy_protocol = args.size() == 3;
        if (proxy_protocol && upper(args[2]) != "PROXY") {
            return usage(what, "unknown flag '" + std::string(args[2]) + "'", expected);
        }
        return from(target.listen_start(*port, sub == "START_SECURE", proxy_protocol));
    }
    if (sub == "STOP") {
        if (args.size() > 2)
            return usage("LISTEN STOP", "too many arguments", "LISTEN STOP [port]");
        std::optional<std::uint16_t> port;
        if (args.size() == 2) {
            port = parse_port(args[1]);
            if (!port) return usage("LISTEN STOP", bad_port(args[1]), "LISTEN STOP [port]");
        }
        return from(target.listen_stop(port));
    }
    return usage("LISTEN", unknown_subcommand(args[0]), kListenUsage);
}

// ---- CONN, SESSION, VHOST ----

Reply conn_command(ControlTarget& target, const Words& args) {
    if (!args.empty()) {
        return usage("CONN", "unexpected argument '" + std::string(args[0]) + "'", "CONN");
    }
    std::string out;
    for (const auto& session : target.connections())
        out += format_session(session) + "\n";
    return text(std::move(out));
}

constexpr std::string_view kSessionUsage =
    "SESSION id (PAUSE | DISCONNECT_GRACEFUL | FORCE_DISCONNECT)";

Reply session_command(ControlTarget& target, const Words& args) {
    if (args.size() != 2) {
        return usage("SESSION", args.size() < 2 ? "missing arguments" : "too many arguments",
                     kSessionUsage);
    }
    const auto id = parse_number(args[0]);
    if (!id || *id == 0) {
        return usage("SESSION", "invalid session id '" + std::string(args[0]) + "' (see CONN)",
                     kSessionUsage);
    }
    const auto action = upper(args[1]);
    SessionAction what{};
    if (action == "PAUSE") {
        what = SessionAction::pause;
    } else if (action == "DISCONNECT_GRACEFUL") {
        what = SessionAction::disconnect_graceful;
    } else if (action == "FORCE_DISCONNECT") {
        what = SessionAction::force_disconnect;
    } else {
        return usage("SESSION", "action '" + std::string(args[1]) + "' not recognized",
                     kSessionUsage);
    }
    return from(target.session_action(*id, what));
}

constexpr std::string_view kVhostUsage =
    "VHOST (PAUSE vhost | UNPAUSE vhost | PRINT | BACKEND_DISCONNECT vhost | FORCE_DISCONNECT "
    "vhost)";

Reply vhost_command(ConfigStore& store, ControlTarget& target, const Words& args) {
    if (args.empty()) return usage("VHOST", "missing subcommand", kVhostUsage);
    const auto sub = upper(args[0]);
    if (sub == "PRINT") {
        if (args.size() != 1) return usage("VHOST PRINT", "too many arguments", "VHOST PRINT");
        std::string out;
        for (const auto& [vhost, paused] : store.pause_states()) {
            out += vhost + " = " + (paused ? "PAUSED" : "UNPAUSED") + "\n";
        }
        return text(std::move(out));
    }
    VhostAction action{};
    if (sub == "PAUSE") {
        action = VhostAction::pause;
    } else if (sub == "UNPAUSE") {
        action = VhostAction::unpause;
    } else if (sub == "BACKEND_DISCONNECT") {
        action = VhostAction::backend_disconnect;
    } else if (sub == "FORCE_DISCONNECT") {
        action = VhostAction::force_disconnect;
    } else {
        return usage("VHOST", unknown_subcommand(args[0]), kVhostUsage);
    }
    if (args.size() != 2) {
        return usage("VHOST " + sub, args.size() < 2 ? "missing vhost" : "too many arguments",
                     "VHOST " + sub + " vhost");
    }
    const std::string vhost(args[1]);
    if (action == VhostAction::pause) store.set_paused(vhost, true);
    if (action == VhostAction::unpause) store.set_paused(vhost, false);
    return from(target.vhost_action(vhost, action));
}

// ---- STAT ----

constexpr std::string_view kStatUsage =
    "STAT (LISTEN (json|human) [all|overall|process|captures|vhost=V|backend=B|source=IP] | "
    "SEND host port | STOP SEND)";

Reply stat_command(ControlTarget& target, const Words& args) {
    if (args.empty()) return usage("STAT", "missing subcommand", kStatUsage);
    const auto sub = upper(args[0]);
    if (sub == "LISTEN") {
        constexpr std::string_view expected =
            "STAT LISTEN (json|human) [all|overall|process|captures|vhost=V|backend=B|source=IP]";
        if (args.size() < 2) return usage("STAT LISTEN", "missing output format", expected);
        if (args.size() > 3) return usage("STAT LISTEN", "too many arguments", expected);
        StatListen listen;
        const auto format = lower(args[1]);
        if (format == "json") {
            listen.format = StatFormat::json;
        } else if (format == "human") {
            listen.format = StatFormat::human;
        } else {
            return usage("STAT LISTEN", "unknown output format '" + std::string(args[1]) + "'",
                         expected);
        }
        if (args.size() == 3) {
            const auto view = args[2];
            const auto eq = view.find('=');
            const auto key = lower(view.substr(0, eq));
            if (eq == std::string_view::npos) {
                if (key == "all") {
                    listen.view.kind = StatView::Kind::all;
                } else if (key == "overall") {
                    listen.view.kind = StatView::Kind::overall;
                } else if (key == "process") {
                    listen.view.kind = StatView::Kind::process;
                } else if (key == "captures") {
                    listen.view.kind = StatView::Kind::captures;
                } else if (key == "bufferpool") {
                    return usage("STAT LISTEN",
                                 "bufferpool is not available (this proxy has no buffer pool)",
                                 expected);
                } else {
                    return usage("STAT LISTEN", "unknown view '" + std::string(view) + "'",
                                 expected);
                }
            } else {
                if (key == "vhost") {
                    listen.view.kind = StatView::Kind::vhost;
                } else if (key == "backend") {
                    listen.view.kind = StatView::Kind::backend;
                } else if (key == "source") {
                    listen.view.kind = StatView::Kind::source;
                } else {
                    return usage("STAT LISTEN", "unknown filter '" + std::string(view) + "'",
                                 expected);
                }
                listen.view.name = std::string(view.substr(eq + 1));
                if (listen.view.name.empty()) {
                    return usage("STAT LISTEN", "no value for " + key, expected);
                }
            }
        }
        Reply reply = text(format_stats(target.stats(), listen));
        reply.stream = listen;
        return reply;
    }
    if (sub == "SEND") {
        constexpr std::string_view expected = "STAT SEND host port";
        if (args.size() < 3) return usage("STAT SEND", "missing arguments", expected);
        if (args.size() > 3) {
            return usage("STAT SEND", "filters are not supported when sending stats", expected);
        }
        const auto port = parse_port(args[2]);
        if (!port) return usage("STAT SEND", bad_port(args[2]), expected);
        const std::string host(args[1]);
        if (auto status = target.stat_send(host, *port); !status) return text(status.error());
        return text("Sending stats on " + host + ":" + std::to_string(*port));
    }
    if (sub == "STOP") {
        if (args.size() != 2 || upper(args[1]) != "SEND") {
            return usage("STAT STOP",
                         args.size() < 2 ? "missing SEND"
                                         : "unrecognized argument '" + std::string(args[1]) + "'",
                         "STAT STOP SEND");
        }
        if (auto status = target.stat_stop_send(); !status) return text(status.error());
        return text("Stopped sending stats.");
    }
    return usage("STAT", unknown_subcommand(args[0]), kStatUsage);
}

// ---- LOG, DATACENTER, MAPHOSTNAME ----

constexpr std::string_view kLogUsage =
    "LOG (CONSOLE level | FILE level | FORMAT text|json), level 0-5 (FATAL..TRACE)";

Reply log_command(ControlTarget& target, const Words& args) {
    if (args.empty()) return usage("LOG", "missing subcommand", kLogUsage);
    const auto sub = upper(args[0]);
    if (sub == "FORMAT") {
        constexpr std::string_view expected = "LOG FORMAT text|json";
        if (args.size() != 2) {
            return usage("LOG FORMAT", args.size() < 2 ? "missing format" : "too many arguments",
                         expected);
        }
        const auto format = lower(args[1]);
        if (format != "text" && format != "json") {
            return usage("LOG FORMAT", "unknown format '" + std::string(args[1]) + "'", expected);
        }
        return from(target.set_log_format(format == "json" ? LogFormat::json : LogFormat::text));
    }
    LogSink sink{};
    if (sub == "CONSOLE") {
        sink = LogSink::console;
    } else if (sub == "FILE") {
        sink = LogSink::file;
    } else {
        return usage("LOG", unknown_subcommand(args[0]), kLogUsage);
    }
    if (args.size() != 2) {
        return usage("LOG " + sub, args.size() < 2 ? "missing level" : "too many arguments",
                     kLogUsage);
    }
    const auto level = parse_number(args[1]);
    if (!level || *level > 5) {
        return usage("LOG " + sub, "invalid level '" + std::string(args[1]) + "'", kLogUsage);
    }
    return from(target.set_log_level(sink, static_cast<int>(*level)));
}

constexpr std::string_view kDatacenterUsage = "DATACENTER (SET name | PRINT)";

Reply datacenter_command(ConfigStore& store, const Words& args) {
    if (args.empty()) return usage("DATACENTER", "missing subcommand", kDatacenterUsage);
    const auto sub = upper(args[0]);
    if (sub == "SET") {
        if (args.size() != 2) {
            return usage("DATACENTER SET", args.size() < 2 ? "missing name" : "too many arguments",
                         "DATACENTER SET name");
        }
        store.set_datacenter(std::string(args[1]));
        return silent();
    }
    if (sub == "PRINT") {
        if (args.size() != 1) {
            return usage("DATACENTER PRINT", "too many arguments", "DATACENTER PRINT");
        }
        return text(store.datacenter());
    }
    return usage("DATACENTER", unknown_subcommand(args[0]), kDatacenterUsage);
}

Reply maphostname_command(ControlTarget& target, const Words& args) {
    if (args.size() != 1 || upper(args[0]) != "DNS") {
        return usage(
            "MAPHOSTNAME",
            args.empty() ? "missing DNS" : "unrecognized argument '" + std::string(args[0]) + "'",
            "MAPHOSTNAME DNS");
    }
    if (auto status = target.enable_hostname_mapping(); !status) return text(status.error());
    return text("Hostname mapper set for all current sessions.");
}

// ---- METRICS ----

constexpr std::string_view kMetricsUsage = "METRICS (LISTEN port [address] | STOP [port] | PRINT)";

Reply metrics_command(ControlTarget& target, const Words& args) {
    if (args.empty()) return usage("METRICS", "missing subcommand", kMetricsUsage);
    const auto sub = upper(args[0]);
    if (sub == "LISTEN") {
        constexpr std::string_view expected = "METRICS LISTEN port [address] (default 127.0.0.1)";
        if (args.size() < 2) return usage("METRICS LISTEN", "missing port", expected);
        if (args.size() > 3) return usage("METRICS LISTEN", "too many arguments", expected);
        const auto port = parse_port(args[1]);
        if (!port) return usage("METRICS LISTEN", bad_port(args[1]), expected);
        const std::string address = args.size() == 3 ? std::string(args[2]) : "127.0.0.1";
        if (auto status = target.metrics_listen(*port, address); !status) {
            return text(status.error());
        }
        auto urls = target.metrics_urls();
        const auto suffix = ":" + std::to_string(*port) + "/metrics";
        for (const auto& url : urls) {
            if (url.ends_with(suffix)) return text("Serving metrics on " + url);
        }
        return silent();
    }
    if (sub == "STOP") {
        constexpr std::string_view expected = "METRICS STOP [port]";
        if (args.size() > 2) return usage("METRICS STOP", "too many arguments", expected);
        std::optional<std::uint16_t> port;
        if (args.size() == 2) {
            port = parse_port(args[1]);
            if (!port) return usage("METRICS STOP", bad_port(args[1]), expected);
        }
        return from(target.metrics_stop(port));
    }
    if (sub == "PRINT") {
        if (args.size() != 1) return usage("METRICS PRINT", "too many arguments", "METRICS PRINT");
        std::string out;
        for (const auto& url : target.metrics_urls())
            out += url + "\n";
        return text(std::move(out));
    }
    return usage("METRICS", unknown_subcommand(args[0]), kMetricsUsage);
}

// ---- CAPTURE ----

constexpr std::string_view kCaptureUsage =
    "CAPTURE (START file [vhost=V] [backend=B] [source=IP] [session=N] [sample=P%] "
    "[bodies=all|none|BYTES] | STOP [file] | PRINT)";

Reply capture_command(ControlTarget& target, const Words& args) {
    if (args.empty()) return usage("CAPTURE", "missing subcommand", kCaptureUsage);
    const auto sub = upper(args[0]);
    if (sub == "START") {
        auto options = parse_capture_options(Words(args.begin() + 1, args.end()));
        if (!options) return text(options.error());
        return from(target.capture_start(*options));
    }
    if (sub == "STOP") {
        if (args.size() > 2)
            return usage("CAPTURE STOP", "too many arguments", "CAPTURE STOP [file]");
        std::optional<std::string> file;
        if (args.size() == 2) file = std::string(args[1]);
        auto stopped = target.capture_stop(file);
        if (!stopped) return text(stopped.error());
        std::string out;
        for (const auto& name : *stopped)
            out += "Stopped capture " + name + "\n";
        return text(std::move(out));
    }
    if (sub == "PRINT") {
        if (args.size() != 1) return usage("CAPTURE PRINT", "too many arguments", "CAPTURE PRINT");
        std::string out;
        for (const auto& capture : target.captures())
            out += format_capture(capture) + "\n";
        return text(std::move(out));
    }
    return usage("CAPTURE", unknown_subcommand(args[0]), kCaptureUsage);
}

// ---- TLS ----

constexpr std::string_view kTlsUsage =
    "TLS (INGRESS|EGRESS) (KEY_FILE file | CERT_CHAIN_FILE file | RSA_KEY_FILE file | "
    "TMP_DH_FILE file | CA_CERT_FILE file | VERIFY_MODE mode... | CIPHERS (PRINT | SET list) | "
    "PRINT)";
constexpr std::string_view kVerifyModes = "PEER, NONE, FAIL_IF_NO_PEER_CERT, CLIENT_ONCE";

std::string cipher_lines(const std::vector<std::string>& ciphers) {
    std::string out;
    for (const auto& cipher : ciphers)
        out += cipher + "\n";
    return out;
}

std::string verify_words(unsigned verify) {
    if (verify == 0) return "NONE";
    std::string out;
    const std::pair<unsigned, const char*> names[] = {
        {tls_verify_peer, "PEER"},
        {tls_verify_fail_if_no_peer_cert, "FAIL_IF_NO_PEER_CERT"},
        {tls_verify_client_once, "CLIENT_ONCE"}};
    for (const auto& [bit, name] : names) {
        if (verify & bit) out += (out.empty() ? "" : " ") + std::string(name);
    }
    return out;
}

std::string format_tls(const TlsSettings& s) {
    const auto line = [](const char* name, const std::string& value) {
        return std::string(name) + " " + (value.empty() ? "(not set)" : value) + "\n";
    };
    return line("KEY_FILE", s.key_file) + line("CERT_CHAIN_FILE", s.cert_chain_file) +
           line("RSA_KEY_FILE", s.rsa_key_file) + line("TMP_DH_FILE", s.tmp_dh_file) +
           line("CA_CERT_FILE", s.ca_cert_file) + "VERIFY_MODE " + verify_words(s.verify) + "\n" +
           line("CIPHERS", s.ciphers);
}

Reply tls_command(ControlTarget& target, const Words& args) {
    if (args.empty()) return usage("TLS", "missing direction", kTlsUsage);
    const auto direction_word = upper(args[0]);
    TlsDirection direction;
    if (direction_word == "INGRESS") {
        direction = TlsDirection::ingress;
    } else if (direction_word == "EGRESS") {
        direction = TlsDirection::egress;
    } else {
        return usage("TLS", "direction '" + std::string(args[0]) + "' not recognized", kTlsUsage);
    }
    if (args.size() < 2) return usage("TLS " + direction_word, "missing setting", kTlsUsage);
    const auto what = "TLS " + direction_word + " " + upper(args[1]);
    const auto setting = upper(args[1]);
    auto settings = target.tls_settings(direction);

    if (setting == "PRINT") {
        if (args.size() != 2) return usage(what, "too many arguments", what);
        return text(format_tls(settings));
    }
    if (setting == "VERIFY_MODE") {
        if (args.size() < 3) {
            return usage(what, "missing mode",
                         what + " mode... (any of " + std::string(kVerifyModes) + ")");
        }
        unsigned verify = 0;
        for (auto it = args.begin() + 2; it != args.end(); ++it) {
            const auto mode = upper(*it);
            if (mode == "PEER") {
                verify |= tls_verify_peer;
            } else if (mode == "FAIL_IF_NO_PEER_CERT") {
                verify |= tls_verify_fail_if_no_peer_cert;
            } else if (mode == "CLIENT_ONCE") {
                verify |= tls_verify_client_once;
            } else if (mode != "NONE") {
                return usage(what, "mode '" + std::string(*it) + "' not recognized",
                             "any of " + std::string(kVerifyModes));
            }
        }
        settings.verify = verify;
        return from(target.tls_configure(direction, settings));
    }
    if (setting == "CIPHERS") {
        const auto expected = "TLS " + direction_word + " CIPHERS (PRINT | SET list)";
        if (args.size() < 3) return usage(what, "missing PRINT or SET", expected);
        const auto sub = upper(args[2]);
        if (sub == "PRINT" && args.size() == 3)
            return text(cipher_lines(target.tls_ciphers(direction)));
        if (sub == "SET" && args.size() == 4) {
            settings.ciphers = std::string(args[3]);
            if (const auto status = target.tls_configure(direction, settings); !status) {
                return text(status.error());
            }
            return text("Updated cipher list:\n" + cipher_lines(target.tls_ciphers(direction)));
        }
        return usage(what + " " + sub,
                     sub == "SET"     ? "expected one colon-separated list"
                     : sub == "PRINT" ? "too many arguments"
                                      : unknown_subcommand(args[2]),
                     expected);
    }
    std::string* file = nullptr;
    if (setting == "KEY_FILE") file = &settings.key_file;
    if (setting == "CERT_CHAIN_FILE") file = &settings.cert_chain_file;
    if (setting == "RSA_KEY_FILE") file = &settings.rsa_key_file;
    if (setting == "TMP_DH_FILE") file = &settings.tmp_dh_file;
    if (setting == "CA_CERT_FILE") file = &settings.ca_cert_file;
    if (file == nullptr) {
        return usage("TLS " + direction_word,
                     "setting '" + std::string(args[1]) + "' not recognized", kTlsUsage);
    }
    if (args.size() != 3) {
        return usage(what, args.size() < 3 ? "missing file" : "too many arguments", what + " file");
    }
    *file = std::string(args[2]);
    return from(target.tls_configure(direction, settings));
}

}  // namespace

std::string CommandInterpreter::help_text() {
    return std::string(kBackendUsage) + " - Change backend servers\n" + std::string(kCaptureUsage) +
           " - Record chosen sessions into capture files\n" +
           "CONN - Print the connected sessions\n" + std::string(kDatacenterUsage) +
           " - Set the proxy's datacenter, for datacenter-affinity\n" +
           "EXIT - Exit the program gracefully.\n" + std::string(kFarmUsage) + " - Change farms\n" +
           "HELP - Print this help text.\n" + std::string(kLimitUsage) +
           " - Limit connection rates, open connections and client data rates per vhost\n" +
           std::string(kListenUsage) + " - Listen for AMQP clients on 0.0.0.0\n" +
           std::string(kLogUsage) + " - Set log verbosity\n" + std::string(kMapUsage) +
           " - Change mappings of resources to servers\n" +
           "MAPHOSTNAME DNS - Set up mapping of IPs to hostnames\n" + std::string(kMetricsUsage) +
           " - Serve Prometheus metrics over HTTP (GET /metrics)\n" + std::string(kSessionUsage) +
           " - Control a particular session\n" + std::string(kStatUsage) +
           " - Output statistics\n" + std::string(kTlsUsage) +
           " - Configure TLS towards clients (INGRESS) and brokers (EGRESS)\n" +
           std::string(kVhostUsage) + " - Pause and disconnect vhosts\n";
}

Reply CommandInterpreter::execute(std::string_view line) {
    const auto words = split(line);
    if (words.empty()) return text(help_text());
    const auto verb = upper(words[0]);
    const Words args(words.begin() + 1, words.end());

    if (verb == "BACKEND") return backend_command(m_store, m_target, m_resolver, args);
    if (verb == "FARM") return farm_command(m_store, args);
    if (verb == "MAP") return map_command(m_store, args);
    if (verb == "LISTEN") return listen_command(m_target, args);
    if (verb == "CONN") return conn_command(m_target, args);
    if (verb == "SESSION") return session_command(m_target, args);
    if (verb == "VHOST") return vhost_command(m_store, m_target, args);
    if (verb == "STAT") return stat_command(m_target, args);
    if (verb == "LOG") return log_command(m_target, args);
    if (verb == "DATACENTER") return datacenter_command(m_store, args);
    if (verb == "MAPHOSTNAME") return maphostname_command(m_target, args);
    if (verb == "CAPTURE") return capture_command(m_target, args);
    if (verb == "LIMIT") return text(limit_command(m_store.limits(), args));
    if (verb == "TLS") return tls_command(m_target, args);
    if (verb == "METRICS") return metrics_command(m_target, args);
    if (verb == "HELP") return text(help_text());
    if (verb == "EXIT") {
        m_target.request_exit();
        Reply reply = text("Exiting.");
        reply.exit = true;
        return reply;
    }
    return text("Unknown command '" + std::string(words[0]) + "'. Commands:\n" + help_text());
}

}  // namespace amqpprox::control
