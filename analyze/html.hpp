// Escaping for the HTML report. Everything a capture holds (queue names, routing keys,
// connection names, close texts) is chosen by whoever connected to the proxy, so it goes
// through here before it reaches the page: as element text, as a quoted attribute value, or
// inside SVG <text>, which follows the same rules.
#pragma once

#include <string>
#include <string_view>

namespace amqpprox::analyze::html {

// Appends `s` with & < > " ' as character references, so it is safe as element text and as
// a double- or single-quoted attribute value. Bytes that are not valid UTF-8 become U+FFFD,
// and control characters other than tab and newline become U+FFFD too: a page must not
// carry bytes a parser may reject or reinterpret.
void append_escaped(std::string& out, std::string_view s);
std::string escape(std::string_view s);

}  // namespace amqpprox::analyze::html
