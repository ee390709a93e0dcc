// SASL responses in Connection.Start-Ok / Secure-Ok: who logs in, without the secret.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace amqpprox::amqp {

// The login user of a PLAIN ("\0user\0password") or AMQPLAIN (LOGIN/PASSWORD table entries)
// response; nullopt for other mechanisms or a malformed response.
std::optional<std::string> sasl_username(std::string_view mechanism, std::string_view response);

// Whether a response of this mechanism carries a secret (everything but EXTERNAL and ANONYMOUS).
bool sasl_response_is_secret(std::string_view mechanism);

}  // namespace amqpprox::amqp
