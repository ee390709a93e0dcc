#include "encode.hpp"

namespace amqpprox::proxy_protocol {

namespace {

void put16(amqp::Bytes& out, std::uint16_t value) {
    out.push_back(static_cast<std::byte>(value >> 8));
    out.push_back(static_cast<std::byte>(value & 0xffu));
}

void put_address(amqp::Bytes& out, const IpAddress& address) {
    const std::size_t size = address.v6 ? 16 : 4;
    for (std::size_t i = 0; i < size; ++i)
        out.push_back(static_cast<std::byte>(address.bytes[i]));
}

}  // namespace

std::string encode_v1(const Header& header) {
    if (header.family == Family::unknown || header.command == Command::local) {
        return "PROXY UNKNOWN\r\n";
    }
    // The header's family decides; an address of the other family is converted so the line
    // stays one family, as the spec requires.
    const bool v6 = header.family == Family::tcp6;
    const auto text = [v6](const IpAddress& address) {
        return (v6 ? address.mapped() : address.unmapped()).to_string();
    };
    return std::string("PROXY ") + (v6 ? "TCP6 " : "TCP4 ") + text(header.source.address) + " " +
           text(header.destination.address) + " " + std::to_string(header.source.port) + " " +
           std::to_string(header.destination.port) + "\r\n";
}

amqp::Bytes encode_v2(const Header& header) {
    amqp::Bytes out;
    for (const auto b : kV2Signature)
        out.push_back(static_cast<std::byte>(b));
    if (header.family == Family::unknown || header.command == Command::local) {
        out.push_back(std::byte{0x20});  // version 2, LOCAL
        out.push_back(std::byte{0x00});  // AF_UNSPEC, UNSPEC
        put16(out, 0);
        return out;
    }
    const bool v6 = header.family == Family::tcp6;
    out.push_back(std::byte{0x21});                         // version 2, PROXY
    out.push_back(v6 ? std::byte{0x21} : std::byte{0x11});  // AF_INET6|AF_INET, STREAM
    put16(out, v6 ? 36 : 12);
    const auto convert = [v6](const IpAddress& address) {
        return v6 ? address.mapped() : address.unmapped();
    };
    put_address(out, convert(header.source.address));
    put_address(out, convert(header.destination.address));
    put16(out, header.source.port);
    put16(out, header.destination.port);
    return out;
}

amqp::Bytes encode(const Header& header) {
    if (header.version == Version::v2) return encode_v2(header);
    return amqp::to_bytes(encode_v1(header));
}

}  // namespace amqpprox::proxy_protocol
