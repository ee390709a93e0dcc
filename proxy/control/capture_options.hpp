// What one CAPTURE START asks for: the file, which sessions to record (every filter given must
// match), and how much of each body to keep. Parsed from the command's key=value words.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "capture/policy.hpp"

namespace amqpprox::control {

struct CaptureOptions {
    std::string file;
    std::optional<std::string> vhost;      // exact vhost name
    std::optional<std::string> backend;    // backend name as in BACKEND ADD
    std::optional<std::string> source;     // client IP, without port
    std::optional<std::uint64_t> session;  // session id as in CONN
    double sample_percent = 100.0;         // share of matching sessions recorded, 0-100
    capture::BodyPolicy bodies;            // all, none or the first N bytes of each body

    bool operator==(const CaptureOptions&) const = default;

    // The filters in the form CAPTURE START accepts, e.g. "vhost=/ sample=50% bodies=all";
    // filters that were not given are left out, bodies always shown.
    std::string describe() const;
};

// Parses the words after "CAPTURE START": a file, then key=value options in any order.
// Errors name the bad word and what is accepted.
tl::expected<CaptureOptions, std::string> parse_capture_options(
    const std::vector<std::string_view>& words);

}  // namespace amqpprox::control
