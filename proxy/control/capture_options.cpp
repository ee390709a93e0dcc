#include "proxy/control/capture_options.hpp"

#include <charconv>
#include <cstdio>

namespace amqpprox::control {

namespace {

constexpr std::string_view kAccepted =
    "expected CAPTURE START file [vhost=V] [backend=B] [source=IP] [session=N] [sample=P%] "
    "[bodies=all|none|BYTES]";

tl::unexpected<std::string> fail(std::string message) {
    return tl::unexpected<std::string>("CAPTURE START: " + std::move(message));
}

std::string format_percent(double percent) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", percent);
    return buffer;
}

}  // namespace

std::string CaptureOptions::describe() const {
    std::string out;
    const auto add = [&out](std::string_view key, const std::string& value) {
        if (!out.empty()) out += ' ';
        out.append(key).append("=").append(value);
    };
    if (vhost) add("vhost", *vhost);
    if (backend) add("backend", *backend);
    if (source) add("source", *source);
    if (session) add("session", std::to_string(*session));
    if (sample_percent < 100.0) add("sample", format_percent(sample_percent) + "%");
    add("bodies", bodies.to_string());
    return out;
}

tl::expected<CaptureOptions, std::string> parse_capture_options(
    const std::vector<std::string_view>& words) {
    if (words.empty()) return fail("no file given; " + std::string(kAccepted));
    CaptureOptions options;
    options.file = std::string(words[0]);
    if (options.file.find('=') != std::string::npos) {
        return fail("the first argument must be the capture file, not '" + options.file + "'; " +
                    std::string(kAccepted));
    }
    for (std::size_t i = 1; i < words.size(); ++i) {
        const auto word = words[i];
        const auto eq = word.find('=');
        if (eq == std::string_view::npos || eq == 0) {
            return fail("unexpected argument '" + std::string(word) + "'; " +
                        std::string(kAccepted));
        }
        const auto key = word.substr(0, eq);
        const auto value = word.substr(eq + 1);
        if (value.empty()) {
            return fail("no value for " + std::string(key) + "; " + std::string(kAccepted));
        }
        if (key == "vhost") {
            options.vhost = std::string(value);
        } else if (key == "backend") {
            options.backend = std::string(value);
        } else if (key == "source") {
            options.source = std::string(value);
        } else if (key == "session") {
            std::uint64_t id = 0;
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
            if (ec != std::errc{} || end != value.data() + value.size() || id == 0) {
                return fail("invalid session '" + std::string(value) +
                            "': expected a session id (a number from 1, as CONN shows)");
            }
            options.session = id;
        } else if (key == "sample") {
            auto number = value;
            if (number.ends_with('%')) number.remove_suffix(1);
            double percent = -1;
            const auto [end, ec] =
                std::from_chars(number.data(), number.data() + number.size(), percent);
            if (number.empty() || ec != std::errc{} || end != number.data() + number.size() ||
                !(percent >= 0.0 && percent <= 100.0)) {
                return fail("invalid sample '" + std::string(value) +
                            "': expected a percentage from 0 to 100, e.g. sample=10%");
            }
            options.sample_percent = percent;
        } else if (key == "bodies") {
            auto bodies = capture::BodyPolicy::parse(value);
            if (!bodies) return fail(bodies.error());
            options.bodies = *bodies;
        } else {
            return fail("unknown option '" + std::string(key) + "'; " + std::string(kAccepted));
        }
    }
    return options;
}

}  // namespace amqpprox::control
