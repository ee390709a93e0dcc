#include "protocol_header.hpp"

#include <algorithm>

#include "constants.hpp"

namespace amqpprox::amqp {
namespace {

constexpr std::array<std::uint8_t, 4> octets(const ProtocolHeader& header) {
    return {std::to_integer<std::uint8_t>(header.bytes[4]),
            std::to_integer<std::uint8_t>(header.bytes[5]),
            std::to_integer<std::uint8_t>(header.bytes[6]),
            std::to_integer<std::uint8_t>(header.bytes[7])};
}

}  // namespace

ProtocolVersion ProtocolHeader::version() const {
    using V = std::array<std::uint8_t, 4>;
    const auto v = octets(*this);
    if (v == V{0, 0, 9, 1}) return ProtocolVersion::amqp_0_9_1;
    if (v == V{1, 1, 0, 9}) return ProtocolVersion::amqp_0_9;
    if (v == V{1, 1, 8, 0}) return ProtocolVersion::amqp_0_8;
    if (v == V{0, 1, 0, 0}) return ProtocolVersion::amqp_1_0;
    if (v == V{2, 1, 0, 0}) return ProtocolVersion::amqp_1_0_tls;
    if (v == V{3, 1, 0, 0}) return ProtocolVersion::amqp_1_0_sasl;
    return ProtocolVersion::other;
}

bool ProtocolHeader::accepted() const {
    const auto v = version();
    return v == ProtocolVersion::amqp_0_9_1 || v == ProtocolVersion::amqp_0_9;
}

std::string ProtocolHeader::to_string() const {
    switch (version()) {
        case ProtocolVersion::amqp_0_9_1:
            return "AMQP 0-9-1";
        case ProtocolVersion::amqp_0_9:
            return "AMQP 0-9 (legacy header)";
        case ProtocolVersion::amqp_0_8:
            return "AMQP 0-8";
        case ProtocolVersion::amqp_1_0:
            return "AMQP 1.0";
        case ProtocolVersion::amqp_1_0_tls:
            return "AMQP 1.0 (TLS)";
        case ProtocolVersion::amqp_1_0_sasl:
            return "AMQP 1.0 (SASL)";
        case ProtocolVersion::other:
            break;
    }
    const auto v = octets(*this);
    return "AMQP " + std::to_string(v[0]) + "-" + std::to_string(v[1]) + "-" +
           std::to_string(v[2]) + "-" + std::to_string(v[3]);
}

Result<std::optional<ProtocolHeader>> parse_protocol_header(ByteView data) {
    static constexpr std::string_view kMagic = "AMQP";
    const auto magic = as_chars(data.first(std::min(data.size(), kMagic.size())));
    for (std::size_t i = 0; i < magic.size(); ++i) {
        if (magic[i] != kMagic[i]) {
            return make_error(Errc::bad_protocol_header, i, std::to_integer<std::uint8_t>(data[i]));
        }
    }
    if (data.size() < kProtocolHeaderSize) return std::optional<ProtocolHeader>{};
    ProtocolHeader header;
    std::copy_n(data.begin(), kProtocolHeaderSize, header.bytes.begin());
    return header;
}

bool looks_like_tls(ByteView data) {
    // A TLS record: content type 22 (handshake), then version major 3.
    return data.size() >= 2 && data[0] == std::byte{0x16} && data[1] == std::byte{0x03};
}

}  // namespace amqpprox::amqp
