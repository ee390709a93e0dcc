#include "frame_facts.hpp"

#include "formats/amqp/credentials.hpp"
#include "formats/amqp/field_table.hpp"
#include "formats/amqp/printer.hpp"
#include "formats/amqp/reader.hpp"
#include "formats/amqp/writer.hpp"

namespace amqpprox::capture {
namespace {

struct IndexedArguments {
    Record& record;

    template <amqp::FieldKind K, typename T>
    void operator()(amqp::KindTag<K>, std::string_view name, const T& value) const {
        if constexpr (std::is_same_v<T, std::string>) {
            set_indexed_text(record, name, value);
        } else if constexpr (std::is_same_v<T, std::uint64_t>) {
            set_indexed_number(record, name, value);
        }
    }
};

// AMQPLAIN: field-table entries without the length prefix; PASSWORD's value replaced.
std::string redact_amqplain(std::string_view response) {
    amqp::Reader r(amqp::as_bytes(response));
    amqp::Bytes out;
    amqp::Writer w(out);
    while (r.ok() && !r.at_end()) {
        const auto name = r.short_str();
        const auto letter = r.u8();
        if (letter != 'S') break;
        const auto value = r.long_str();
        if (!r.ok()) break;
        w.short_str(name);
        w.u8('S');
        w.long_str(name == "LOGIN" ? value : kRedacted);
    }
    if (!r.ok() || !r.at_end()) return std::string(kRedacted);
    return std::string(amqp::as_chars(out));
}

std::string redact_response(std::string_view mechanism, std::string_view response) {
    if (!amqp::sasl_response_is_secret(mechanism)) return std::string(response);
    if (mechanism == "PLAIN") {
        if (const auto user = amqp::sasl_username(mechanism, response)) {
            return std::string("\0", 1) + *user + std::string("\0", 1) + std::string(kRedacted);
        }
    }
    if (mechanism == "AMQPLAIN") return redact_amqplain(response);
    return std::string(kRedacted);
}

std::optional<amqp::Bytes> encoded(const amqp::Method& method) {
    amqp::Bytes out;
    if (!amqp::encode_method(method, out)) return std::nullopt;
    return out;
}

std::string json_of(const amqp::FieldTable& table) {
    std::string out;
    text::JsonWriter json(out);
    amqp::to_json(json, table);
    return out;
}

}  // namespace

void extract_indexed_arguments(const amqp::Method& method, Record& record) {
    std::visit([&](const auto& m) { amqp::visit_fields(m, IndexedArguments{record}); }, method);
}

std::optional<amqp::Bytes> redacted_payload(const amqp::Method& method) {
    if (const auto* start_ok = std::get_if<amqp::ConnectionStartOk>(&method)) {
        auto copy = *start_ok;
        copy.response = redact_response(copy.mechanism, copy.response);
        if (copy.response == start_ok->response) return std::nullopt;
        return encoded(copy);
    }
    if (const auto* secure_ok = std::get_if<amqp::ConnectionSecureOk>(&method)) {
        auto copy = *secure_ok;
        copy.response = kRedacted;
        return encoded(copy);
    }
    if (const auto* update = std::get_if<amqp::ConnectionUpdateSecret>(&method)) {
        auto copy = *update;
        copy.new_secret = kRedacted;
        return encoded(copy);
    }
    return std::nullopt;
}

void learn_from_method(const amqp::Method& method, Direction direction, SessionRow& session) {
    std::visit(
        [&](const auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, amqp::ConnectionStart>) {
                session.server_properties = json_of(m.server_properties);
            } else if constexpr (std::is_same_v<T, amqp::ConnectionStartOk>) {
                session.client_properties = json_of(m.client_properties);
                if (const auto user = amqp::sasl_username(m.mechanism, m.response)) {
                    session.user = *user;
                }
                if (const auto* name = m.client_properties.find("connection_name")) {
                    if (const auto* text = std::get_if<std::string>(&name->value)) {
                        session.connection_name = *text;
                    }
                }
            } else if constexpr (std::is_same_v<T, amqp::ConnectionOpen>) {
                session.vhost = m.virtual_host;
            } else if constexpr (std::is_same_v<T, amqp::ConnectionClose>) {
                if (!session.close_code) {
                    session.close_code = m.reply_code;
                    session.close_text = m.reply_text;
                    session.closed_by = direction == Direction::client_to_broker ? ClosedBy::client
                                                                                 : ClosedBy::broker;
                }
            }
        },
        method);
}

}  // namespace amqpprox::capture
