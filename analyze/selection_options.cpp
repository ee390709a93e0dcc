#include "selection_options.hpp"

#include <cctype>
#include <charconv>
#include <ctime>

#include "formats/amqp/methods.hpp"

namespace amqpprox::analyze {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Digits of a fraction of a second ("5", "123456789") as nanoseconds.
std::optional<std::int64_t> fraction_ns(std::string_view digits) {
    if (digits.empty() || digits.size() > 9) return std::nullopt;
    std::int64_t ns = 0;
    for (std::size_t i = 0; i < 9; ++i) {
        const char c = i < digits.size() ? digits[i] : '0';
        if (c < '0' || c > '9') return std::nullopt;
        ns = ns * 10 + (c - '0');
    }
    return ns;
}

}  // namespace

tl::expected<std::vector<std::uint32_t>, std::string> parse_method_names(std::string_view name) {
    const auto wanted = lower(name);
    std::vector<std::uint32_t> keys;
    for (const auto& m : amqp::all_methods()) {
        const std::string_view full = m.name;  // "basic.publish"
        const auto class_name = full.substr(0, full.find('.'));
        if (full == wanted || class_name == wanted) keys.push_back(m.id.key());
    }
    if (keys.empty()) {
        return tl::unexpected("unknown method '" + std::string(name) +
                              "': give Class.Method as Wireshark names it (Basic.Publish, "
                              "Queue.Declare-Ok), the RabbitMQ form (basic.publish) or a class "
                              "(basic)");
    }
    return keys;
}

tl::expected<std::int64_t, std::string> parse_time(std::string_view text) {
    const auto bad = [&] {
        return tl::unexpected("bad time '" + std::string(text) +
                              "': give UTC as 2025-11-22T08:26:40[.123456][Z] or seconds since "
                              "the epoch as @1763800000[.5]");
    };
    if (!text.empty() && text[0] == '@') {
        const auto dot = text.find('.');
        const auto whole = text.substr(1, dot == std::string_view::npos ? text.npos : dot - 1);
        std::int64_t seconds = 0;
        const auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
        if (ec != std::errc() || end != whole.data() + whole.size() || whole.empty()) return bad();
        std::int64_t ns = 0;
        if (dot != std::string_view::npos) {
            const auto f = fraction_ns(text.substr(dot + 1));
            if (!f) return bad();
            ns = *f;
        }
        return seconds * 1'000'000'000 + ns;
    }
    std::string s(text);
    if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) s.pop_back();
    std::tm tm{};
    const char* rest = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest) rest = strptime(s.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
    if (!rest) return bad();
    std::int64_t ns = 0;
    if (*rest == '.') {
        const auto f = fraction_ns(rest + 1);
        if (!f) return bad();
        ns = *f;
    } else if (*rest != '\0') {
        return bad();
    }
    return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000'000 + ns;
}

tl::expected<Selection, std::string> make_selection(const SelectionOptions& options,
                                                    const InputSet& inputs) {
    Selection selection;
    for (const auto& text : options.sessions) {
        const auto key = inputs.parse_session(text);
        if (!key) {
            return tl::unexpected("no session '" + text + "' in the input" +
                                  (inputs.series_count() > 1
                                       ? std::string(" (with several inputs give INPUT:ID, "
                                                     "INPUT counting from 1)")
                                       : std::string(" (see the sessions command for ids)")));
        }
        selection.sessions.push_back(*key);
    }
    auto& f = selection.records;
    f.vhost = options.vhost;
    if (options.channel) {
        if (*options.channel < 0 || *options.channel > 65535)
            return tl::unexpected("bad channel " + std::to_string(*options.channel) +
                                  ": channels are 0 to 65535");
        f.channel = static_cast<std::uint16_t>(*options.channel);
    }
    for (const auto& name : options.methods) {
        auto keys = parse_method_names(name);
        if (!keys) return tl::unexpected(keys.error());
        f.methods.insert(f.methods.end(), keys->begin(), keys->end());
    }
    f.exchange = options.exchange;
    f.routing_key = options.routing_key;
    f.queue = options.queue;
    if (options.from) {
        auto t = parse_time(*options.from);
        if (!t) return tl::unexpected("--from: " + t.error());
        f.from_ns = *t;
    }
    if (options.to) {
        auto t = parse_time(*options.to);
        if (!t) return tl::unexpected("--to: " + t.error());
        f.to_ns = *t;
    }
    if (f.from_ns && f.to_ns && *f.to_ns <= *f.from_ns)
        return tl::unexpected(std::string("--to must be later than --from"));
    return selection;
}

}  // namespace amqpprox::analyze
