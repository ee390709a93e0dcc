// Packet decoding errors as values: what is wrong with a captured frame and where (byte offset
// in the frame as captured), so a bad packet is reported and skipped, never trusted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace amqpprox::pcap {

enum class Errc : std::uint8_t {
    truncated,              // the frame ends inside a header; detail: bytes the header needs
    unsupported_link_type,  // detail: the link type
    too_many_vlan_tags,     // more stacked 802.1Q tags than kMaxVlanTags
    bad_ip_version,         // detail: the version nibble
    bad_ip_header_length,   // IPv4 IHL below 5 or beyond the total length; detail: header bytes
    bad_ip_total_length,    // IPv4 total length below the header, IPv6 payload beyond capture
    bad_ipv6_extension,     // too many extension headers, or one that cannot be skipped (ESP)
    bad_fragment,           // fragment that would end beyond 65535 bytes or contradicts others
    bad_tcp_header_length,  // TCP data offset below 5 or beyond the segment; detail: header bytes
};

struct Error {
    Errc code{};
    std::size_t offset = 0;    // in the link-layer frame as captured
    std::uint32_t detail = 0;  // the offending value

    bool operator==(const Error&) const = default;

    // One line for logs and users, e.g. "truncated packet at offset 14 (needs 20 bytes)".
    std::string message() const;
};

std::string_view to_string(Errc code);

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> make_error(Errc code, std::size_t offset, std::uint32_t detail = 0) {
    return tl::unexpected<Error>(Error{code, offset, detail});
}

}  // namespace amqpprox::pcap
