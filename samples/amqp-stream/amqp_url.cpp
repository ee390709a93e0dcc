#include "amqp_url.hpp"

#include <charconv>

namespace amqpstream {

namespace {

// %XX escapes, as in RabbitMQ's URI spec ("%2f" is the vhost "/").
tl::expected<std::string, std::string> percent_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        unsigned value = 0;
        if (i + 2 >= text.size())
            return tl::unexpected("truncated %-escape in \"" + std::string(text) + "\"");
        const auto* first = text.data() + i + 1;
        const auto [end, ec] = std::from_chars(first, first + 2, value, 16);
        if (ec != std::errc{} || end != first + 2)
            return tl::unexpected("bad %-escape in \"" + std::string(text) + "\"");
        out += static_cast<char>(value);
        i += 2;
    }
    return out;
}

const std::string kAccepted =
    " (accepted: amqp://[user[:password]@]host[:port][/vhost], or amqps://...)";

}  // namespace

std::string AmqpUrl::display() const {
    std::string vhost_text = vhost == "/" ? "" : "/" + vhost;
    return (tls ? "amqps://" : "amqp://") + user + "@" + host + ":" + std::to_string(port) +
           vhost_text;
}

tl::expected<AmqpUrl, std::string> parse_amqp_url(std::string_view text) {
    AmqpUrl url;
    url.tls = text.starts_with("amqps://");
    if (url.tls) url.port = 5671;
    const std::string_view scheme = url.tls ? "amqps://" : "amqp://";
    if (!text.starts_with(scheme))
        return tl::unexpected("\"" + std::string(text) + "\" is not an amqp:// URL" + kAccepted);
    auto rest = text.substr(scheme.size());
    std::string_view path;
    bool has_path = false;
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
        path = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
        has_path = true;
    }
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
        const auto userinfo = rest.substr(0, at);
        rest = rest.substr(at + 1);
        const auto colon = userinfo.find(':');
        auto user = percent_decode(userinfo.substr(0, colon));
        if (!user) return tl::unexpected(user.error());
        url.user = *user;
        if (colon != std::string_view::npos) {
            auto password = percent_decode(userinfo.substr(colon + 1));
            if (!password) return tl::unexpected(password.error());
            url.password = *password;
        }
    }
    if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        const auto port_text = rest.substr(colon + 1);
        unsigned port = 0;
        const auto [end, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
            port > 65535)
            return tl::unexpected("bad port \"" + std::string(port_text) + "\"" + kAccepted);
        url.port = static_cast<std::uint16_t>(port);
        rest = rest.substr(0, colon);
    }
    if (!rest.empty()) url.host = std::string(rest);
    // "amqp://host/" names the empty vhost in the spec, but every tool means "/" by it.
    if (has_path && !path.empty()) {
        auto vhost = percent_decode(path);
        if (!vhost) return tl::unexpected(vhost.error());
        url.vhost = *vhost;
    }
    return url;
}

}  // namespace amqpstream
