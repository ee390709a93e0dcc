#include "tls.hpp"

namespace amqpprox::replay {

std::string describe_handshake_error(const boost::system::error_code& ec, const std::string& where,
                                     bool insecure) {
    std::string text = "TLS handshake with " + where + " failed: " + ec.message();
    if (!insecure && ec.message().find("certificate verify failed") != std::string::npos) {
        text +=
            " (the broker's certificate is not trusted or does not name the host: --ca FILE "
            "trusts its CA, --insecure skips verification)";
    }
    return text;
}

}  // namespace amqpprox::replay
