// Writes a PROXY protocol header: v1 "PROXY TCP4|TCP6 src dst sport dport\r\n" (or
// "PROXY UNKNOWN\r\n"), v2 binary PROXY with the addresses (or LOCAL when the family is
// unknown, with no addresses and no TLVs).
#pragma once

#include <string>

#include "formats/amqp/bytes.hpp"
#include "header.hpp"

namespace amqpprox::proxy_protocol {

std::string encode_v1(const Header& header);
amqp::Bytes encode_v2(const Header& header);
// By header.version.
amqp::Bytes encode(const Header& header);

}  // namespace amqpprox::proxy_protocol
