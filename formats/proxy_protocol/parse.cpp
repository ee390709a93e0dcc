#include "parse.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

namespace amqpprox::proxy_protocol {

namespace {

constexpr std::string_view kV1Prefix = "PROXY ";

std::uint8_t u8_at(amqp::ByteView data, std::size_t i) {
    return std::to_integer<std::uint8_t>(data[i]);
}

std::uint16_t be16_at(amqp::ByteView data, std::size_t i) {
    return static_cast<std::uint16_t>(u8_at(data, i) << 8 | u8_at(data, i + 1));
}

tl::unexpected<Error> fail(Errc code, std::size_t offset, std::string detail = {}) {
    return tl::unexpected<Error>(Error{code, offset, std::move(detail)});
}

// Whether data could be the start of `prefix` (or starts with all of it).
template <typename Range>
bool prefix_matches(amqp::ByteView data, const Range& prefix) {
    const auto n = std::min(data.size(), std::size(prefix));
    for (std::size_t i = 0; i < n; ++i) {
        if (u8_at(data, i) != static_cast<std::uint8_t>(prefix[i])) return false;
    }
    return true;
}

struct Field {
    std::string_view text;
    std::size_t offset;
};

std::vector<Field> split_spaces(std::string_view line) {
    std::vector<Field> fields;
    std::size_t start = 0;
    while (true) {
        const auto space = line.find(' ', start);
        fields.push_back({line.substr(start, space - start), start});
        if (space == std::string_view::npos) break;
        start = space + 1;
    }
    return fields;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

Result<std::optional<Header>> parse_v1(amqp::ByteView data) {
    const auto text = amqp::as_chars(data.first(std::min(data.size(), kV1MaxLength)));
    const auto lf = text.find('\n');
    if (lf == std::string_view::npos) {
        if (data.size() >= kV1MaxLength) {
            return fail(Errc::v1_too_long, kV1MaxLength,
                        "no CRLF within " + std::to_string(kV1MaxLength) + " bytes");
        }
        return std::nullopt;
    }
    if (text[lf - 1] != '\r') return fail(Errc::v1_syntax, lf, "line ends in LF without CR");
    const auto fields = split_spaces(text.substr(0, lf - 1));
    Header header{.version = Version::v1, .command = Command::proxy, .length = lf + 1};
    const auto& protocol = fields[1];               // "PROXY " is there: at least two fields
    if (protocol.text == "UNKNOWN") return header;  // whatever follows is ignored
    if (protocol.text != "TCP4" && protocol.text != "TCP6") {
        return fail(Errc::v1_syntax, protocol.offset,
                    "unknown protocol '" + std::string(protocol.text) + "'");
    }
    const bool v6 = protocol.text == "TCP6";
    if (fields.size() != 6) {
        return fail(Errc::v1_syntax, fields.back().offset,
                    "expected 4 fields after " + std::string(protocol.text) + ", got " +
                        std::to_string(fields.size() - 2));
    }
    const auto address = [v6](const Field& field, std::string_view what) -> Result<IpAddress> {
        const auto parsed = IpAddress::parse(field.text);
        if (!parsed || parsed->v6 != v6) {
            return fail(Errc::v1_syntax, field.offset,
                        "bad " + std::string(what) + " address '" + std::string(field.text) +
                            "' for " + (v6 ? "TCP6" : "TCP4"));
        }
        return *parsed;
    };
    const auto port = [](const Field& field, std::string_view what) -> Result<std::uint16_t> {
        const auto parsed = parse_port(field.text);
        if (!parsed) {
            return fail(Errc::v1_syntax, field.offset,
                        "bad " + std::string(what) + " port '" + std::string(field.text) + "'");
        }
        return *parsed;
    };
    const auto source = address(fields[2], "source");
    if (!source) return tl::unexpected(source.error());
    const auto destination = address(fields[3], "destination");
    if (!destination) return tl::unexpected(destination.error());
    const auto source_port = port(fields[4], "source");
    if (!source_port) return tl::unexpected(source_port.error());
    const auto destination_port = port(fields[5], "destination");
    if (!destination_port) return tl::unexpected(destination_port.error());
    header.family = v6 ? Family::tcp6 : Family::tcp4;
    header.source = {*source, *source_port};
    header.destination = {*destination, *destination_port};
    return header;
}

IpAddress address_at(amqp::ByteView data, std::size_t at, bool v6) {
    IpAddress address{.v6 = v6};
    for (std::size_t i = 0; i < (v6 ? 16u : 4u); ++i)
        address.bytes[i] = u8_at(data, at + i);
    return address;
}

Result<std::optional<Header>> parse_v2(amqp::ByteView data) {
    if (data.size() <= 12) return std::nullopt;
    const unsigned version = u8_at(data, 12) >> 4;
    const unsigned command = u8_at(data, 12) & 0x0fu;
    if (version != 2) return fail(Errc::v2_bad_version, 12, "version " + std::to_string(version));
    if (command > 1) return fail(Errc::v2_bad_command, 12, "command " + std::to_string(command));
    if (data.size() <= 13) return std::nullopt;
    const unsigned family = u8_at(data, 13) >> 4;
    const unsigned transport = u8_at(data, 13) & 0x0fu;
    if (family > 3 || transport > 2) {
        return fail(
            Errc::v2_bad_family, 13,
            "family " + std::to_string(family) + ", transport " + std::to_string(transport));
    }
    if (data.size() < kV2FixedLength) return std::nullopt;
    const std::size_t length = be16_at(data, 14);
    if (data.size() < kV2FixedLength + length) return std::nullopt;
    Header header{.version = Version::v2,
                  .command = command == 0 ? Command::local : Command::proxy,
                  .length = kV2FixedLength + length};
    if (header.command == Command::local) return header;  // addresses ignored, as the spec says
    // AF_INET, AF_INET6, AF_UNIX: 12, 36, 216 bytes of addresses; TLVs may follow.
    constexpr std::array<std::size_t, 4> kAddressBytes{0, 12, 36, 216};
    if (length < kAddressBytes[family]) {
        return fail(Errc::v2_short_addresses, 14,
                    std::to_string(length) + " bytes, the family needs " +
                        std::to_string(kAddressBytes[family]));
    }
    // Only TCP over IPv4/IPv6 names endpoints this proxy can use; the rest is unspecified.
    constexpr unsigned kStream = 1;
    if ((family != 1 && family != 2) || transport != kStream) return header;
    const bool v6 = family == 2;
    const std::size_t size = v6 ? 16 : 4;
    const std::size_t at = kV2FixedLength;
    header.family = v6 ? Family::tcp6 : Family::tcp4;
    header.source = {address_at(data, at, v6), be16_at(data, at + 2 * size)};
    header.destination = {address_at(data, at + size, v6), be16_at(data, at + 2 * size + 2)};
    return header;
}

}  // namespace

Result<std::optional<Header>> parse(amqp::ByteView data) {
    if (data.empty()) return std::nullopt;
    if (prefix_matches(data, kV2Signature)) {
        return data.size() < kV2Signature.size() ? Result<std::optional<Header>>(std::nullopt)
                                                 : parse_v2(data);
    }
    if (prefix_matches(data, kV1Prefix)) {
        return data.size() < kV1Prefix.size() ? Result<std::optional<Header>>(std::nullopt)
                                              : parse_v1(data);
    }
    return fail(Errc::not_proxy, 0, "the connection did not start with a PROXY header");
}

}  // namespace amqpprox::proxy_protocol
