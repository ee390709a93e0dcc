#include "header.hpp"

#include <algorithm>

#include <arpa/inet.h>

namespace amqpprox::proxy_protocol {

namespace {

constexpr std::array<std::uint8_t, 12> kMappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::string_view to_string(Errc code) {
    switch (code) {
        case Errc::not_proxy:
            return "not a PROXY protocol header";
        case Errc::v1_too_long:
            return "PROXY v1 header too long";
        case Errc::v1_syntax:
            return "malformed PROXY v1 header";
        case Errc::v2_bad_version:
            return "bad PROXY v2 version";
        case Errc::v2_bad_command:
            return "bad PROXY v2 command";
        case Errc::v2_bad_family:
            return "bad PROXY v2 address family";
        case Errc::v2_short_addresses:
            return "PROXY v2 length too small for its addresses";
    }
    return "bad PROXY protocol header";
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    // inet_pton needs a terminated string; the longest IPv6 text is 45 characters.
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    const std::string terminated(text);
    IpAddress address;
    if (inet_pton(AF_INET, terminated.c_str(), address.bytes.data()) == 1) return address;
    address.v6 = true;
    if (inet_pton(AF_INET6, terminated.c_str(), address.bytes.data()) == 1) return address;
    return std::nullopt;
}

std::string IpAddress::to_string() const {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text);
    return text;
}

bool IpAddress::is_v4_mapped() const {
    return v6 && std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), bytes.begin());
}

IpAddress IpAddress::unmapped() const {
    if (!is_v4_mapped()) return *this;
    IpAddress v4;
    std::copy(bytes.begin() + 12, bytes.end(), v4.bytes.begin());
    return v4;
}

IpAddress IpAddress::mapped() const {
    if (v6) return *this;
    IpAddress v6_address{.v6 = true};
    std::copy(kMappedPrefix.begin(), kMappedPrefix.end(), v6_address.bytes.begin());
    std::copy(bytes.begin(), bytes.begin() + 4, v6_address.bytes.begin() + 12);
    return v6_address;
}

Header tcp_header(Endpoint source, Endpoint destination, Version version) {
    source.address = source.address.unmapped();
    destination.address = destination.address.unmapped();
    Header header{.version = version, .command = Command::proxy};
    if (!source.address.v6 && !destination.address.v6) {
        header.family = Family::tcp4;
    } else {
        header.family = Family::tcp6;
        source.address = source.address.mapped();
        destination.address = destination.address.mapped();
    }
    header.source = source;
    header.destination = destination;
    return header;
}

std::string Error::message() const {
    std::string text = std::string(to_string(code)) + " at offset " + std::to_string(offset);
    return detail.empty() ? text : text + ": " + detail;
}

}  // namespace amqpprox::proxy_protocol
