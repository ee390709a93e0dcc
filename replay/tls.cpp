#include "tls.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

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

tl::expected<void, std::string> prepare_stream(ssl::stream<proxy::tcp::socket>& stream,
                                               const std::string& host, bool insecure) {
    // SNI carries host names only, not addresses (RFC 6066).
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(host, ec);
    const bool is_address = !ec;
    // SSL_set_tlsext_host_name without its macro's C cast.
    if (!is_address && SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                                TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str())) != 1) {
        return tl::unexpected("cannot set the TLS server name " + host);
    }
    if (insecure) return {};
    // OpenSSL checks the certificate's names during the handshake, so a mismatch fails
    // there with "certificate verify failed" like any other verification error.
    X509_VERIFY_PARAM* param = SSL_get0_param(stream.native_handle());
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int ok = is_address ? X509_VERIFY_PARAM_set1_ip_asc(param, address.to_string().c_str())
                              : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    if (ok != 1) return tl::unexpected("cannot check the certificate against " + host);
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
