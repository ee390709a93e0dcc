#include "proxy/control/limit_command.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <variant>

namespace amqpprox::control {

const std::string_view kLimitUsage =
    "LIMIT ((CONN_RATE | CONN_RATE_ALARM | CONNECTIONS) (DEFAULT | VHOST vhost) count | "
    "(DATA_RATE | DATA_RATE_ALARM) (DEFAULT | VHOST vhost) bytesPerSecond | DISABLE type "
    "(DEFAULT | VHOST vhost) | PRINT [vhost])";

namespace {

constexpr std::string_view kTypes =
    "(CONN_RATE | CONN_RATE_ALARM | DATA_RATE | DATA_RATE_ALARM | CONNECTIONS)";

std::string upper(std::string_view word) {
    std::string out(word);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

std::string usage(std::string_view what, std::string_view problem, std::string_view expected) {
    return std::string(what) + ": " + std::string(problem) + "; expected " + std::string(expected) +
           "\n";
}

std::optional<std::uint64_t> parse_count(std::string_view word) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), n);
    if (word.empty() || ec != std::errc{} || end != word.data() + word.size()) return std::nullopt;
    return n;
}

bool is_data(LimitKind kind) {
    return kind == LimitKind::data_rate || kind == LimitKind::data_rate_alarm;
}

// "DEFAULT" or "VHOST v" from args[at...]: the vhost (nullopt for DEFAULT) and the next index,
// or the problem.
struct Target {
    std::optional<std::string> vhost;
    std::size_t next = 0;
};
std::variant<Target, std::string> read_target(const std::vector<std::string_view>& args,
                                              std::size_t at) {
    if (at >= args.size()) return std::string("missing DEFAULT or VHOST vhost");
    const auto word = upper(args[at]);
    if (word == "DEFAULT") return Target{std::nullopt, at + 1};
    if (word == "VHOST") {
        if (at + 1 >= args.size()) return std::string("missing vhost");
        return Target{std::string(args[at + 1]), at + 2};
    }
    return "'" + std::string(args[at]) + "' is neither DEFAULT nor VHOST";
}

// amqpprox's confirmations for connection limits; data-rate changes print nothing (as there).
std::string set_reply(LimitKind kind, const std::optional<std::string>& vhost, std::uint64_t n) {
    const auto count = std::to_string(n);
    switch (kind) {
        case LimitKind::conn_rate:
            return vhost ? "For vhost " + *vhost + ", " + describe_conn_rate(n) + "\n"
                         : "Default connection rate limit is set to " + count +
                               " connections per second.\n";
        case LimitKind::conn_rate_alarm:
            return vhost ? "For vhost " + *vhost + ", " + describe_conn_rate(n) +
                               " in alarm only mode.\n"
                               "The limiter will only log at warning level with "
                               "AMQPPROX_CONNECTION_LIMIT as a substring and the relevant limit "
                               "details, when the new incoming connection violates the "
                               "specified limit.\n"
                         : "Default connection rate limit is set to " + count +
                               " connections per second in alarm only mode.\n"
                               "The limiter will only log at warning level with "
                               "AMQPPROX_CONNECTION_LIMIT as a substring and the relevant limit "
                               "details, when the new incoming client connection violates the "
                               "default limit for all vhosts.\n";
        case LimitKind::connections:
            return vhost ? "For vhost " + *vhost + ", allow " + count + " total connections.\n"
                         : "Default total connection limit is set to " + count +
                               " total connections.\n";
        case LimitKind::data_rate:
        case LimitKind::data_rate_alarm:
            break;
    }
    return "";
}

std::string disable_reply(LimitKind kind, const std::optional<std::string>& vhost) {
    std::string what;
    switch (kind) {
        case LimitKind::conn_rate:
            what = "connection rate limit";
            break;
        case LimitKind::conn_rate_alarm:
            what = "alarm only connection rate limit";
            break;
        case LimitKind::connections:
            what = "total connection limit";
            break;
        case LimitKind::data_rate:
        case LimitKind::data_rate_alarm:
            return "";
    }
    return vhost ? "Successfully disabled specific " + what + " for vhost " + *vhost + "\n"
                 : "Successfully disabled default " + what + "\n";
}

std::string set_command(LimitConfig& limits, LimitKind kind,
                        const std::vector<std::string_view>& args) {
    const auto what = "LIMIT " + std::string(limit_word(kind));
    const auto expected =
        what + " (DEFAULT | VHOST vhost) " + (is_data(kind) ? "bytesPerSecond" : "count");
    const auto target = read_target(args, 1);
    if (const auto* problem = std::get_if<std::string>(&target)) {
        return usage(what, *problem, expected);
    }
    const auto& [vhost, next] = std::get<Target>(target);
    const auto value_name = is_data(kind) ? "bytesPerSecond" : "count";
    if (next >= args.size()) return usage(what, std::string("missing ") + value_name, expected);
    if (next + 1 < args.size()) return usage(what, "too many arguments", expected);
    const auto n = parse_count(args[next]);
    if (!n) {
        return usage(what,
                     std::string("invalid ") + value_name + " '" + std::string(args[next]) +
                         "' (a whole number from 0)",
                     expected);
    }
    limits.set(kind, vhost, *n);
    return set_reply(kind, vhost, *n);
}

std::string disable_command(LimitConfig& limits, const std::vector<std::string_view>& args) {
    const auto expected = "LIMIT DISABLE " + std::string(kTypes) + " (DEFAULT | VHOST vhost)";
    if (args.size() < 2) return usage("LIMIT DISABLE", "missing limit type", expected);
    const auto kind = limit_kind(upper(args[1]));
    if (!kind) {
        return usage("LIMIT DISABLE", "unknown limit type '" + std::string(args[1]) + "'",
                     expected);
    }
    const auto target = read_target(args, 2);
    if (const auto* problem = std::get_if<std::string>(&target)) {
        return usage("LIMIT DISABLE", *problem, expected);
    }
    const auto& [vhost, next] = std::get<Target>(target);
    if (next < args.size()) return usage("LIMIT DISABLE", "too many arguments", expected);
    limits.disable(*kind, vhost);
    return disable_reply(*kind, vhost);
}

}  // namespace

std::string limit_command(LimitConfig& limits, const std::vector<std::string_view>& args) {
    if (args.empty()) return usage("LIMIT", "missing subcommand", kLimitUsage);
    const auto sub = upper(args[0]);
    if (sub == "PRINT") {
        if (args.size() > 2)
            return usage("LIMIT PRINT", "too many arguments", "LIMIT PRINT [vhost]");
        return args.size() == 2 ? limits.print(std::string(args[1])) : limits.print();
    }
    if (sub == "DISABLE") return disable_command(limits, args);
    if (const auto kind = limit_kind(sub)) return set_command(limits, *kind, args);
    return usage("LIMIT", "subcommand '" + std::string(args[0]) + "' not recognized", kLimitUsage);
}

}  // namespace amqpprox::control
