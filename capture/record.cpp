#include "record.hpp"

namespace amqpprox::capture {

std::string_view to_string(Direction direction) {
    return direction == Direction::client_to_broker ? "client" : "broker";
}

std::string_view to_string(ClosedBy who) {
    switch (who) {
        case ClosedBy::client:
            return "client";
        case ClosedBy::broker:
            return "broker";
        case ClosedBy::proxy:
            return "proxy";
        case ClosedBy::unknown:
            break;
    }
    return "";
}

std::optional<ClosedBy> closed_by_from_string(std::string_view text) {
    if (text == "client") return ClosedBy::client;
    if (text == "broker") return ClosedBy::broker;
    if (text == "proxy") return ClosedBy::proxy;
    if (text.empty()) return ClosedBy::unknown;
    return std::nullopt;
}

std::string_view to_string(GapReason reason) {
    return reason == GapReason::writer_overflow ? "writer overflow" : "missing bytes";
}

}  // namespace amqpprox::capture
