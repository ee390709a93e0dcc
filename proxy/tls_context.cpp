#include "tls_context.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace amqpprox::proxy {
namespace {

using control::TlsSettings;
using Status = tl::expected<void, std::string>;

Status loaded(const boost::system::error_code& ec, const char* setting, const std::string& file,
              const char* what) {
    if (!ec) return {};
    return tl::unexpected("cannot load " + std::string(setting) + " " + file + ": " + ec.message() +
                          " (expected " + what + ")");
}

int verify_flags(unsigned verify) {
    int flags = SSL_VERIFY_NONE;
    if (verify & control::tls_verify_peer) flags |= SSL_VERIFY_PEER;
    if (verify & control::tls_verify_fail_if_no_peer_cert) flags |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    if (verify & control::tls_verify_client_once) flags |= SSL_VERIFY_CLIENT_ONCE;
    return flags;
}

Status configure(ssl::context& context, control::TlsDirection direction, const TlsSettings& s) {
    boost::system::error_code ec;
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                        ec);
    if (ec) return tl::unexpected("TLS setup failed: " + ec.message());
    SSL_CTX* native = context.native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    if (direction == control::TlsDirection::ingress) {
        SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE);
    }
    if (!s.cert_chain_file.empty()) {
        context.use_certificate_chain_file(s.cert_chain_file, ec);
        if (auto st = loaded(ec, "CERT_CHAIN_FILE", s.cert_chain_file, "a PEM certificate chain");
            !st)
            return st;
    }
    // OpenSSL checks a key against the certificate already loaded ("key values mismatch").
    const auto key_loaded = [&](const char* setting, const std::string& file,
                                const char* what) -> Status {
        if (ec && ec.message().find("mismatch") != std::string::npos) {
            return tl::unexpected("the private key in " + file +
                                  " does not match the certificate in " + s.cert_chain_file);
        }
        return loaded(ec, setting, file, what);
    };
    if (!s.key_file.empty()) {
        context.use_private_key_file(s.key_file, ssl::context::pem, ec);
        if (auto st = key_loaded("KEY_FILE", s.key_file, "a PEM private key"); !st) return st;
    }
    if (!s.rsa_key_file.empty()) {
        context.use_rsa_private_key_file(s.rsa_key_file, ssl::context::pem, ec);
        if (auto st = key_loaded("RSA_KEY_FILE", s.rsa_key_file, "a PEM RSA private key"); !st)
            return st;
    }
    if (!s.tmp_dh_file.empty()) {
        context.use_tmp_dh_file(s.tmp_dh_file, ec);
        if (auto st = loaded(ec, "TMP_DH_FILE", s.tmp_dh_file, "PEM DH parameters"); !st) return st;
    }
    if (!s.ca_cert_file.empty()) {
        context.load_verify_file(s.ca_cert_file, ec);
        if (auto st = loaded(ec, "CA_CERT_FILE", s.ca_cert_file, "PEM CA certificates"); !st)
            return st;
        if (direction == control::TlsDirection::ingress) {
            // The CAs named in the certificate request, so a client picks a matching certificate.
            SSL_CTX_set_client_CA_list(native, SSL_load_client_CA_file(s.ca_cert_file.c_str()));
        }
    } else if (direction == control::TlsDirection::egress &&
               (s.verify & control::tls_verify_peer)) {
        context.set_default_verify_paths(ec);
        if (ec) return tl::unexpected("cannot load the system's CA certificates: " + ec.message());
    }
    SSL_CTX_set_verify(native, verify_flags(s.verify), nullptr);
    if (!s.ciphers.empty() && SSL_CTX_set_cipher_list(native, s.ciphers.c_str()) != 1) {
        return tl::unexpected("no cipher in '" + s.ciphers +
                              "' is known to OpenSSL (expected a list like "
                              "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256)");
    }
    return {};
}

}  // namespace

tl::expected<std::shared_ptr<ssl::context>, std::string> make_tls_context(
    control::TlsDirection direction, const TlsSettings& settings) {
    auto context = std::make_shared<ssl::context>(direction == control::TlsDirection::ingress
                                                      ? ssl::context::tls_server
                                                      : ssl::context::tls_client);
    if (auto status = configure(*context, direction, settings); !status) {
        return tl::unexpected(status.error());
    }
    return context;
}

tl::expected<std::shared_ptr<ssl::context>, std::string> make_client_tls_context(
    const std::string& ca_file, bool insecure) {
    TlsSettings settings;
    settings.ca_cert_file = ca_file;
    settings.verify = insecure ? 0u : control::tls_verify_peer;
    auto context = make_tls_context(control::TlsDirection::egress, settings);
    if (!context && !ca_file.empty() && context.error().starts_with("cannot load CA_CERT_FILE")) {
        return tl::unexpected("cannot load --ca " + ca_file +
                              " (accepted: a PEM file of CA certificates)");
    }
    return context;
}

bool has_certificate(ssl::context& context) {
    return SSL_CTX_get0_certificate(context.native_handle()) != nullptr &&
           SSL_CTX_get0_privatekey(context.native_handle()) != nullptr;
}

std::vector<std::string> cipher_names(ssl::context& context) {
    std::vector<std::string> names;
    const STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(context.native_handle());
    for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
        names.emplace_back(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, i)));
    }
    return names;
}

tl::expected<void, std::string> prepare_client_tls(SSL* ssl, const std::string& host,
                                                   bool check_name) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    const bool is_address = !ec;
    // SSL_set_tlsext_host_name without its macro's C cast.
    if (!is_address && SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                                const_cast<char*>(host.c_str())) != 1) {
        return tl::unexpected("cannot set the TLS server name " + host);
    }
    if (!check_name) return {};
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int ok = is_address ? X509_VERIFY_PARAM_set1_ip_asc(param, address.to_string().c_str())
                              : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    if (ok != 1) return tl::unexpected("cannot check the certificate against " + host);
    return {};
}

}  // namespace amqpprox::proxy
