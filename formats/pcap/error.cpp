#include "error.hpp"

namespace amqpprox::pcap {

std::string_view to_string(Errc code) {
    switch (code) {
        case Errc::truncated:
            return "truncated packet";
        case Errc::unsupported_link_type:
            return "unsupported link type";
        case Errc::too_many_vlan_tags:
            return "too many VLAN tags";
        case Errc::bad_ip_version:
            return "bad IP version";
        case Errc::bad_ip_header_length:
            return "bad IPv4 header length";
        case Errc::bad_ip_total_length:
            return "bad IP total length";
        case Errc::bad_ipv6_extension:
            return "bad IPv6 extension header";
        case Errc::bad_fragment:
            return "bad IP fragment";
        case Errc::bad_tcp_header_length:
            return "bad TCP header length";
    }
    return "unknown packet error";
}

std::string Error::message() const {
    std::string text = std::string(to_string(code)) + " at offset " + std::to_string(offset);
    switch (code) {
        case Errc::truncated:
            return text + " (needs " + std::to_string(detail) + " bytes)";
        case Errc::unsupported_link_type:
        case Errc::bad_ip_version:
        case Errc::bad_ip_header_length:
        case Errc::bad_tcp_header_length:
            return text + " (" + std::to_string(detail) + ")";
        default:
            return text;
    }
}

}  // namespace amqpprox::pcap
