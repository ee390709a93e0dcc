// Fuzzes the PROXY protocol parser. Oracle besides "no crash, no sanitizer report": a parsed
// header lies within the input and stays within the spec's bounds; parsing any prefix of
// it asks for more bytes or fails the same way (it is incremental); and a header with
// addresses encodes back to bytes that parse to the same header.
#include <cstdint>
#include <cstdlib>

#include "formats/proxy_protocol/encode.hpp"
#include "formats/proxy_protocol/parse.hpp"

using namespace amqpprox;
using namespace amqpprox::proxy_protocol;

namespace {

void check(bool condition) {
    if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const amqp::ByteView input(reinterpret_cast<const std::byte*>(data), size);
    const auto result = parse(input);
    if (!result) {
        (void)result.error().message();
        return 0;
    }
    if (!*result) {
        check(size < kV2FixedLength + 65535);
        return 0;
    }
    const auto& header = **result;
    check(header.length > 0 && header.length <= size);
    check(header.version == Version::v2 || header.length <= kV1MaxLength);
    // The same bytes cut just before the end are still only a prefix.
    const auto shorter = parse(input.first(header.length - 1));
    check(shorter && !*shorter);
    if (header.family != Family::unknown) {
        auto again = header;
        const auto wire = encode(again);
        const auto back = parse(wire);
        check(back && *back);
        again.length = wire.size();
        check(**back == again);
    }
    return 0;
}
