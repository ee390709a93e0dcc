#include "credentials.hpp"

#include "reader.hpp"

namespace amqpprox::amqp {

std::optional<std::string> sasl_username(std::string_view mechanism, std::string_view response) {
    if (mechanism == "PLAIN") {
        // authzid NUL authcid NUL password (RFC 4616)
        const auto first = response.find('\0');
        if (first == std::string_view::npos) return std::nullopt;
        const auto second = response.find('\0', first + 1);
        if (second == std::string_view::npos) return std::nullopt;
        return std::string(response.substr(first + 1, second - first - 1));
    }
    if (mechanism == "AMQPLAIN") {
        // Field-table entries without the table's length prefix.
        Reader r(as_bytes(response));
        while (r.ok() && !r.at_end()) {
            const auto name = r.short_str();
            const auto letter = r.u8();  // clients send LOGIN and PASSWORD as longstr ('S')
            if (letter != 'S') return std::nullopt;
            const auto text = r.long_str();
            if (r.ok() && name == "LOGIN") return std::string(text);
        }
        return std::nullopt;
    }
    return std::nullopt;
}

bool sasl_response_is_secret(std::string_view mechanism) {
    return mechanism != "EXTERNAL" && mechanism != "ANONYMOUS";
}

}  // namespace amqpprox::amqp
