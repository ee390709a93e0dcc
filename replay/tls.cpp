#include "tls.hpp"

namespace amqpprox::replay {

tl::expected<void, std::string> configure_client_context(ssl::context& context,
                                                         const TlsOptions& options) {
    boost::system::error_code ec;
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1,
                        ec);
    if (ec) return tl::unexpected("TLS setup failed: " + ec.message());
    if (options.insecure) {
        context.set_verify_mode(ssl::verify_none, ec);
        if (ec) return tl::unexpected("TLS setup failed: " + ec.message());
        return {};
    }
    context.set_verify_mode(ssl::verify_peer, ec);
    if (ec) return tl::unexpected("TLS setup failed: " + ec.message());
    if (options.ca_file.empty()) {
        context.set_default_verify_paths(ec);
        if (ec) return tl::unexpected("cannot load the system's CA certificates: " + ec.message());
    } else {
        context.load_verify_file(options.ca_file, ec);
        if (ec) {
            return tl::unexpected("cannot load --ca " + options.ca_file + ": " + ec.message() +
                                  " (accepted: a PEM file of CA certificates)");
        }
    }
    return {};
}

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
