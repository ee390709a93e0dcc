#include "sequence_diagram.hpp"

#include <cstdio>

#include "formats/text/escape.hpp"
#include "frame_text.hpp"
#include "html.hpp"

namespace amqpprox::analyze {
namespace {

constexpr double kWidth = 960;
constexpr double kClientX = 120;
constexpr double kProxyX = 480;
constexpr double kBrokerX = 840;
constexpr double kHeaderHeight = 56;
constexpr double kRowHeight = 30;
constexpr double kFooterHeight = 36;
constexpr std::size_t kMaxLabel = 110;  // bytes of a label; the rest becomes "..."

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

// Cuts at a UTF-8 character boundary so the cut does not make invalid bytes.
std::string cut(std::string s) {
    if (s.size() <= kMaxLabel) return s;
    std::size_t end = 0;
    while (end < kMaxLabel) {
        const auto n = text::utf8_sequence_length(s, end);
        if (end + std::max<std::size_t>(n, 1) > kMaxLabel) break;
        end += std::max<std::size_t>(n, 1);
    }
    s.resize(end);
    return s + "...";
}

std::string offset_text(std::int64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "+%.3f s", static_cast<double>(ns) / 1e9);
    return buf;
}

void lane(std::string& out, double x, const char* name, double bottom) {
    out += "<g class=\"lane\"><rect x=\"" + num(x - 50) +
           "\" y=\"8\" width=\"100\" height=\"26\" rx=\"4\"/>";
    out += "<text x=\"" + num(x) + "\" y=\"26\" text-anchor=\"middle\">";
    out += name;
    out += "</text><line class=\"lifeline\" x1=\"" + num(x) + "\" y1=\"34\" x2=\"" + num(x) +
           "\" y2=\"" + num(bottom) + "\"/></g>\n";
}

}  // namespace

SequenceDiagram collect_sequence(const InputSet& inputs, const Selection& selection,
                                 const SessionInfo& session, std::size_t limit) {
    SequenceDiagram diagram;
    diagram.session = session.label;
    diagram.start_ns = session.row.start.start_ns;
    Selection one = selection;
    one.sessions = {session.key};
    inputs.for_each(one, [&](const SessionInfo&, const capture::Record& r) {
        if (r.type != amqp::FrameType::method && r.type != amqp::FrameType::protocol_header)
            return true;
        ++diagram.methods;
        if (diagram.arrows.size() >= limit) return true;  // counted, not drawn
        SequenceArrow arrow{r.ts_ns, r.direction, r.channel, {}};
        auto described = describe(FrameText::of(r));
        if (described) {
            arrow.text = cut(std::move(*described));
        } else {
            ++diagram.undecodable;
            arrow.text = "undecodable method frame";
        }
        diagram.arrows.push_back(std::move(arrow));
        return true;
    });
    return diagram;
}

std::string render_sequence(const SequenceDiagram& diagram) {
    const bool cut_short = diagram.methods > diagram.arrows.size();
    const double rows = static_cast<double>(diagram.arrows.size());
    const double bottom = kHeaderHeight + rows * kRowHeight + 8;
    const double height = bottom + (cut_short ? kFooterHeight : 8);
    std::string out;
    out += "<svg class=\"sequence\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
           num(kWidth) + ' ' + num(height) + "\" width=\"" + num(kWidth) + "\" height=\"" +
           num(height) + "\" role=\"img\" aria-label=\"sequence of session ";
    html::append_escaped(out, diagram.session);
    out +=
        "\">\n<defs><marker id=\"arrowhead\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
        "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\">"
        "<path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>\n";
    lane(out, kClientX, "client", bottom);
    lane(out, kProxyX, "proxy", bottom);
    lane(out, kBrokerX, "broker", bottom);
    double y = kHeaderHeight;
    std::size_t n = 0;
    for (const auto& a : diagram.arrows) {
        y += kRowHeight;
        const bool c2b = a.direction == capture::Direction::client_to_broker;
        const double from = c2b ? kClientX : kBrokerX;
        const double to = c2b ? kBrokerX : kClientX;
        out += "<g class=\"arrow " + std::string(c2b ? "c2b" : "b2c") + "\" data-seq=\"" +
               std::to_string(++n) + "\">";
        out += "<text class=\"time\" x=\"4\" y=\"" + num(y + 4) + "\">" +
               offset_text(a.ts_ns - diagram.start_ns) + "</text>";
        out += "<line class=\"message\" x1=\"" + num(from) + "\" y1=\"" + num(y) + "\" x2=\"" +
               num(to) + "\" y2=\"" + num(y) + "\" marker-end=\"url(#arrowhead)\"/>";
        // The proxy is where the recorder saw the frame.
        out += "<circle class=\"seen\" cx=\"" + num(kProxyX) + "\" cy=\"" + num(y) + "\" r=\"3\"/>";
        out += "<text class=\"label\" x=\"" + num(kProxyX) + "\" y=\"" + num(y - 5) +
               "\" text-anchor=\"middle\">";
        if (a.channel != 0) out += "ch" + std::to_string(a.channel) + ' ';
        html::append_escaped(out, a.text);
        out += "</text></g>\n";
    }
    if (cut_short) {
        out += "<text class=\"cut-note\" x=\"" + num(kProxyX) + "\" y=\"" + num(bottom + 22) +
               "\" text-anchor=\"middle\">first " + std::to_string(diagram.arrows.size()) + " of " +
               std::to_string(diagram.methods) + " methods shown (--sequence-limit)</text>\n";
    }
    out += "</svg>\n";
    return out;
}

}  // namespace amqpprox::analyze
