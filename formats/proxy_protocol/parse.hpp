// Reads a PROXY protocol header (v1 or v2) from the first bytes of a connection. Stateless and
// incremental: call it again with every byte received so far until it decides. At most 107
// bytes (v1) or 16 + 65535 bytes (v2) are ever needed; v2 TLVs are skipped.
#pragma once

#include <optional>

#include "formats/amqp/bytes.hpp"
#include "header.hpp"

namespace amqpprox::proxy_protocol {

// A header (its `length` says where the proxied bytes start); nullopt: a prefix of a header,
// more bytes needed; Errc::not_proxy: the bytes are something else; other errors: malformed.
Result<std::optional<Header>> parse(amqp::ByteView data);

}  // namespace amqpprox::proxy_protocol
