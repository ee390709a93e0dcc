// The PROXY protocol header (HAProxy's spec, v1 text and v2 binary) that a load balancer
// sends before the proxied bytes: who connected (source) to where (destination). Plain
// values; encode.hpp writes them, parse.hpp reads them. Errors are values.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace amqpprox::proxy_protocol {

// An IPv4 address is held in the first 4 bytes; v6 tells the families apart.
struct IpAddress {
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};

    bool operator==(const IpAddress&) const = default;

    // Dotted quad or RFC 5952 text; nullopt for anything else (no names, no scope ids).
    static std::optional<IpAddress> parse(std::string_view text);
    std::string to_string() const;
    // ::ffff:a.b.c.d
    bool is_v4_mapped() const;
    // ::ffff:a.b.c.d -> a.b.c.d; other addresses unchanged.
    IpAddress unmapped() const;
    // a.b.c.d -> ::ffff:a.b.c.d; IPv6 addresses unchanged.
    IpAddress mapped() const;
};

struct Endpoint {
    IpAddress address;
    std::uint16_t port = 0;

    bool operator==(const Endpoint&) const = default;
};

enum class Version : std::uint8_t { v1 = 1, v2 = 2 };

// unknown: no addresses are given (v1 UNKNOWN, v2 LOCAL, v2 AF_UNSPEC or AF_UNIX); the
// receiver keeps the connection's own endpoints.
enum class Family : std::uint8_t { unknown, tcp4, tcp6 };

// v2 only: LOCAL is a connection the balancer made itself (health checks). v1 has PROXY only.
enum class Command : std::uint8_t { proxy, local };

struct Header {
    Version version = Version::v1;
    Command command = Command::proxy;
    Family family = Family::unknown;
    Endpoint source;         // the client, as the balancer saw it
    Endpoint destination;    // where the client connected to
    std::size_t length = 0;  // bytes the header took on the wire (set by parse)

    bool operator==(const Header&) const = default;
};

// A PROXY header for a TCP connection from source to destination: TCP4 when both are IPv4
// (IPv4-mapped IPv6 counts as IPv4), else TCP6 with any IPv4 address mapped (the spec has
// one family per header).
Header tcp_header(Endpoint source, Endpoint destination, Version version);

enum class Errc : std::uint8_t {
    not_proxy,           // the bytes start like neither signature
    v1_too_long,         // no CRLF within 107 bytes
    v1_syntax,           // detail says which part
    v2_bad_version,      // version nibble not 2
    v2_bad_command,      // command nibble neither LOCAL nor PROXY
    v2_bad_family,       // family or transport nibble out of range
    v2_short_addresses,  // the length is too small for the family's addresses
};

struct Error {
    Errc code{};
    std::size_t offset = 0;  // in the header
    std::string detail;

    bool operator==(const Error&) const = default;

    // One line, e.g. "malformed PROXY v1 header at offset 11: bad source address '1.2.3'".
    std::string message() const;
};

template <typename T>
using Result = tl::expected<T, Error>;

inline constexpr std::size_t kV1MaxLength = 107;   // "PROXY" ... CRLF included
inline constexpr std::size_t kV2FixedLength = 16;  // signature, ver/cmd, family, length
inline constexpr std::array<std::uint8_t, 12> kV2Signature{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                           0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

}  // namespace amqpprox::proxy_protocol
