#include "endpoint_text.hpp"

#include <charconv>
#include <iterator>

namespace amqpprox::proxy {

std::string endpoint_text(const boost::asio::ip::tcp::endpoint& endpoint) {
    const auto address = endpoint.address();
    if (!address.is_v4()) return address.to_string() + ":" + std::to_string(endpoint.port());
    // IPv4 by hand: Boost's to_string formats through inet_ntop and sprintf, and a session
    // formats three endpoints (docs/BENCHMARKS.md, CPU per connection).
    std::string text;
    text.reserve(sizeof "255.255.255.255:65535");
    const auto append_number = [&text](unsigned number) {
        char digits[5];
        text.append(digits, std::to_chars(std::begin(digits), std::end(digits), number).ptr);
    };
    const auto bytes = address.to_v4().to_bytes();
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i != 0) text += '.';
        append_number(bytes[i]);
    }
    text += ':';
    append_number(endpoint.port());
    return text;
}

std::string endpoint_text_or(const boost::asio::ip::tcp::endpoint& endpoint, const char* unknown) {
    return endpoint == boost::asio::ip::tcp::endpoint() ? std::string(unknown)
                                                        : endpoint_text(endpoint);
}

}  // namespace amqpprox::proxy
