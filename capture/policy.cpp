#include "policy.hpp"

#include <charconv>

namespace amqpprox::capture {

tl::expected<BodyPolicy, std::string> BodyPolicy::parse(std::string_view text) {
    if (text == "all") return BodyPolicy{Kind::all, 0};
    if (text == "none") return BodyPolicy{Kind::none, 0};
    std::size_t bytes = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), bytes);
    if (ec == std::errc{} && end == text.data() + text.size() && !text.empty()) {
        return BodyPolicy{Kind::first, bytes};
    }
    return tl::unexpected("invalid body policy '" + std::string(text) +
                          "': expected all, none or a number of bytes");
}

std::string BodyPolicy::to_string() const {
    switch (kind) {
        case Kind::all:
            return "all";
        case Kind::none:
            return "none";
        case Kind::first:
            return std::to_string(bytes);
    }
    return "all";
}

}  // namespace amqpprox::capture
