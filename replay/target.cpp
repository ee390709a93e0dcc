#include "target.hpp"

#include <charconv>

namespace amqpprox::replay {

namespace {

constexpr std::string_view kAccepted =
    "accepted: amqp://[USER[:PASSWORD]@]HOST[:PORT][/VHOST] or amqps://..., with %XX escapes "
    "(the vhost / is %2f)";

tl::unexpected<std::string> bad(std::string_view url, std::string_view why) {
    return tl::unexpected("bad --target '" + std::string(url) + "': " + std::string(why) + "; " +
                          std::string(kAccepted));
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) return std::nullopt;
        const int high = hex_value(text[i + 1]);
        const int low = hex_value(text[i + 2]);
        if (high < 0 || low < 0) return std::nullopt;
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return out;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string percent_encode_vhost(std::string_view vhost) {
    std::string out;
    for (const char c : vhost) {
        if (c == '/' || c == '%' || c == '@' || c == '?' || c == '#') {
            static constexpr char kHex[] = "0123456789abcdef";
            const auto u = static_cast<unsigned char>(c);
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0xF];
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

tl::expected<Target, std::string> parse_target(std::string_view url) {
    Target target;
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return bad(url, "no scheme");
    const auto scheme = lower(url.substr(0, scheme_end));
    if (scheme == "amqps") {
        target.tls = true;
        target.port = 5671;
    } else if (scheme != "amqp") {
        return bad(url, "unknown scheme '" + scheme + "'");
    }
    auto rest = url.substr(scheme_end + 3);
    if (rest.find_first_of("?#") != std::string_view::npos) {
        return bad(url, "query parameters and fragments are not supported");
    }
    const auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        const auto path = rest.substr(slash + 1);
        if (path.find('/') != std::string_view::npos) {
            return bad(url, "the vhost is one path segment (write / inside it as %2f)");
        }
        auto vhost = percent_decode(path);
        if (!vhost) return bad(url, "bad % escape in the vhost");
        target.vhost = std::move(*vhost);
    }
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        const auto userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
        const auto colon = userinfo.find(':');
        auto user = percent_decode(userinfo.substr(0, colon));
        if (!user) return bad(url, "bad % escape in the user");
        target.user = std::move(*user);
        if (colon != std::string_view::npos) {
            auto password = percent_decode(userinfo.substr(colon + 1));
            if (!password) return bad(url, "bad % escape in the password");
            target.password = std::move(*password);
        }
    }
    std::string_view port_text;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return bad(url, "unclosed [ in the host");
        target.host = std::string(authority.substr(1, close - 1));
        const auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') return bad(url, "unexpected text after the host");
            port_text = after.substr(1);
            if (port_text.empty()) return bad(url, "empty port");
        }
    } else {
        const auto colon = authority.find(':');
        target.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) return bad(url, "empty port");
        }
    }
    if (target.host.empty()) return bad(url, "no host");
    if (!port_text.empty()) {
        unsigned port = 0;
        const auto* end = port_text.data() + port_text.size();
        const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
        if (ec != std::errc{} || ptr != end || port == 0 || port > 65535) {
            return bad(url, "port '" + std::string(port_text) + "' is not a number in 1-65535");
        }
        target.port = static_cast<std::uint16_t>(port);
    }
    return target;
}

std::string display(const Target& target) {
    std::string out = target.tls ? "amqps://" : "amqp://";
    if (target.user) out += *target.user + "@";
    const bool v6 = target.host.find(':') != std::string::npos;
    out += v6 ? "[" + target.host + "]" : target.host;
    out += ":" + std::to_string(target.port);
    if (target.vhost) out += "/" + percent_encode_vhost(*target.vhost);
    return out;
}

Credentials resolve_credentials(const Target& target, const GetEnv& getenv) {
    if (target.user) return {*target.user, target.password.value_or(""), "url"};
    auto user = getenv("AMQP_REPLAY_USER");
    if (user) return {*user, getenv("AMQP_REPLAY_PASSWORD").value_or(""), "environment"};
    return {"guest", "guest", "default"};
}

}  // namespace amqpprox::replay
