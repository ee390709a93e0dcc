#include "html.hpp"

#include "formats/text/escape.hpp"

namespace amqpprox::analyze::html {

void append_escaped(std::string& out, std::string_view s) {
    out.reserve(out.size() + s.size());
    for (std::size_t i = 0; i < s.size();) {
        const char c = s[i];
        const auto length = text::utf8_sequence_length(s, i);
        if (length == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD: not UTF-8
            ++i;
            continue;
        }
        if (length > 1) {
            out.append(s.substr(i, length));
            i += length;
            continue;
        }
        ++i;
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            case '\t':
            case '\n':
                out += c;
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
                    out += "\xEF\xBF\xBD";
                else
                    out += c;
        }
    }
}

std::string escape(std::string_view s) {
    std::string out;
    append_escaped(out, s);
    return out;
}

}  // namespace amqpprox::analyze::html
