#include "error.hpp"

#include <cstdio>

#include "constants.hpp"

namespace amqpprox::amqp {

std::string_view to_string(Errc code) {
    switch (code) {
        case Errc::truncated:
            return "truncated";
        case Errc::bad_protocol_header:
            return "bad protocol header";
        case Errc::bad_frame_end:
            return "bad frame-end octet";
        case Errc::frame_too_large:
            return "frame too large";
        case Errc::unknown_frame_type:
            return "unknown frame type";
        case Errc::bad_heartbeat:
            return "heartbeat on a non-zero channel";
        case Errc::unknown_method:
            return "unknown method";
        case Errc::unknown_field_type:
            return "unknown field type";
        case Errc::nesting_too_deep:
            return "field table nested too deep";
        case Errc::trailing_bytes:
            return "trailing bytes after the last argument";
        case Errc::bad_content_header:
            return "bad content header";
        case Errc::string_too_long:
            return "short string longer than 255 bytes";
    }
    return "unknown error";
}

std::uint16_t Error::reply_code() const {
    switch (code) {
        case Errc::bad_frame_end:
        case Errc::frame_too_large:
        case Errc::unknown_frame_type:
        case Errc::bad_heartbeat:
        case Errc::bad_protocol_header:
            return reply::frame_error;
        case Errc::unknown_method:
            return reply::command_invalid;
        case Errc::truncated:
        case Errc::unknown_field_type:
        case Errc::nesting_too_deep:
        case Errc::trailing_bytes:
        case Errc::bad_content_header:
        case Errc::string_too_long:
            return reply::syntax_error;
    }
    return reply::internal_error;
}

std::string Error::message() const {
    char extra[96] = "";
    switch (code) {
        case Errc::bad_frame_end:
            std::snprintf(extra, sizeof extra, " 0x%02X (expected 0xCE)", detail);
            break;
        case Errc::frame_too_large:
            std::snprintf(extra, sizeof extra, " (%u bytes)", detail);
            break;
        case Errc::unknown_frame_type:
            std::snprintf(extra, sizeof extra, " %u", detail);
            break;
        case Errc::bad_heartbeat:
            std::snprintf(extra, sizeof extra, " (channel %u)", detail);
            break;
        case Errc::unknown_method:
            std::snprintf(extra, sizeof extra, " %u/%u", detail >> 16, detail & 0xFFFFu);
            break;
        case Errc::unknown_field_type:
            std::snprintf(extra, sizeof extra, " '%c' (0x%02X)",
                          detail >= 0x20 && detail < 0x7F ? static_cast<char>(detail) : '?',
                          detail);
            break;
        case Errc::trailing_bytes:
            std::snprintf(extra, sizeof extra, " (%u bytes)", detail);
            break;
        default:
            break;
    }
    return std::string(to_string(code)) + extra + " at offset " + std::to_string(offset);
}

}  // namespace amqpprox::amqp
