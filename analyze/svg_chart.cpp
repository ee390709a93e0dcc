#include "svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "html.hpp"

namespace amqpprox::analyze {
namespace {

// The drawing area inside the SVG, in user units; the rest holds axes, labels and legend.
constexpr double kWidth = 720;
constexpr double kHeight = 300;
constexpr double kLeft = 64;
constexpr double kRight = 150;  // the legend
constexpr double kTop = 28;
constexpr double kBottom = 48;
constexpr double kPlotWidth = kWidth - kLeft - kRight;
constexpr double kPlotHeight = kHeight - kTop - kBottom;

// Coordinates with one decimal: enough on screen, and the same text on every machine.
std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

// A tick label: short, no trailing zeros, whole numbers in full ("0.25", "20000", "2.5e+10").
std::string label(double v) {
    char buf[32];
    if (std::abs(v) < 1e10 && v == std::round(v))
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else
        std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

void open_svg(std::string& out, const char* kind, const std::string& title) {
    out += "<svg class=\"chart ";
    out += kind;
    out += "\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + num(kWidth) + ' ' +
           num(kHeight) + "\" width=\"" + num(kWidth) + "\" height=\"" + num(kHeight) +
           "\" role=\"img\" aria-label=\"";
    html::append_escaped(out, title);
    out += "\">\n<text class=\"title\" x=\"" + num(kLeft) + "\" y=\"18\">";
    html::append_escaped(out, title);
    out += "</text>\n";
}

void axis_labels(std::string& out, const std::string& x_label, const std::string& y_label) {
    out += "<text class=\"axis-label\" x=\"" + num(kLeft + kPlotWidth / 2) + "\" y=\"" +
           num(kHeight - 8) + "\" text-anchor=\"middle\">";
    html::append_escaped(out, x_label);
    out += "</text>\n<text class=\"axis-label\" x=\"12\" y=\"" + num(kTop + kPlotHeight / 2) +
           "\" text-anchor=\"middle\" transform=\"rotate(-90 12 " + num(kTop + kPlotHeight / 2) +
           ")\">";
    html::append_escaped(out, y_label);
    out += "</text>\n";
}

// The y axis with its ticks and grid lines, and the x axis line.
void y_axis(std::string& out, const std::vector<double>& ticks) {
    const double top = ticks.back();
    out += "<g class=\"axes\">\n";
    for (const double t : ticks) {
        const double y = kTop + kPlotHeight - t / top * kPlotHeight;
        out += "<line class=\"grid\" x1=\"" + num(kLeft) + "\" y1=\"" + num(y) + "\" x2=\"" +
               num(kLeft + kPlotWidth) + "\" y2=\"" + num(y) + "\"/>";
        out += "<text class=\"tick y-tick\" x=\"" + num(kLeft - 6) + "\" y=\"" + num(y + 4) +
               "\" text-anchor=\"end\">" + label(t) + "</text>\n";
    }
    out += "<line class=\"axis x-axis\" x1=\"" + num(kLeft) + "\" y1=\"" + num(kTop + kPlotHeight) +
           "\" x2=\"" + num(kLeft + kPlotWidth) + "\" y2=\"" + num(kTop + kPlotHeight) + "\"/>\n";
    out += "<line class=\"axis y-axis\" x1=\"" + num(kLeft) + "\" y1=\"" + num(kTop) + "\" x2=\"" +
           num(kLeft) + "\" y2=\"" + num(kTop + kPlotHeight) + "\"/>\n";
    out += "</g>\n";
}

void no_data(std::string& out) {
    out += "<text class=\"no-data\" x=\"" + num(kLeft + kPlotWidth / 2) + "\" y=\"" +
           num(kTop + kPlotHeight / 2) + "\" text-anchor=\"middle\">no data</text>\n";
}

}  // namespace

std::vector<double> nice_ticks(double max, int about) {
    if (!(max > 0) || !std::isfinite(max)) return {0, 1};
    const double rough = max / std::max(about, 1);
    const double power = std::pow(10.0, std::floor(std::log10(rough)));
    double step = power * 10;
    for (const double m : {1.0, 2.0, 5.0}) {
        if (rough <= m * power) {
            step = m * power;
            break;
        }
    }
    std::vector<double> ticks;
    // Multiples, not repeated sums, so the values print round.
    for (int i = 0;; ++i) {
        ticks.push_back(step * i);
        if (step * i >= max) break;
    }
    return ticks;
}

std::string render_line_chart(const LineChart& chart) {
    std::string out;
    open_svg(out, "line-chart", chart.title);
    double x_min = 0, x_max = 0, y_max = 0;
    bool any = false;
    for (const auto& s : chart.series) {
        for (const auto& p : s.points) {
            x_min = any ? std::min(x_min, p.x) : p.x;
            x_max = any ? std::max(x_max, p.x) : p.x;
            y_max = std::max(y_max, p.y);
            any = true;
        }
    }
    const auto y_ticks = nice_ticks(y_max);
    y_axis(out, y_ticks);
    axis_labels(out, chart.x_label, chart.y_label);
    if (!any) {
        no_data(out);
        out += "</svg>\n";
        return out;
    }
    const double x_span = x_max > x_min ? x_max - x_min : 1;
    const auto x_of = [&](double x) { return kLeft + (x - x_min) / x_span * kPlotWidth; };
    const auto y_of = [&](double y) {
        return kTop + kPlotHeight - y / y_ticks.back() * kPlotHeight;
    };
    // X ticks: round offsets from the first point.
    const auto x_ticks = nice_ticks(x_span);
    out += "<g class=\"x-ticks\">\n";
    for (const double t : x_ticks) {
        if (t > x_span) break;
        out += "<text class=\"tick x-tick\" x=\"" + num(x_of(x_min + t)) + "\" y=\"" +
               num(kTop + kPlotHeight + 16) + "\" text-anchor=\"middle\">" + label(x_min + t) +
               "</text>\n";
    }
    out += "</g>\n";
    double legend_y = kTop + 8;
    for (const auto& s : chart.series) {
        out += "<g class=\"series-group\" data-series=\"";
        html::append_escaped(out, s.name);
        out += "\">\n<polyline class=\"series\" fill=\"none\" stroke=\"";
        html::append_escaped(out, s.color);
        out += "\" points=\"";
        for (std::size_t i = 0; i < s.points.size(); ++i) {
            if (i > 0) out += ' ';
            out += num(x_of(s.points[i].x)) + ',' + num(y_of(s.points[i].y));
        }
        out += "\"/>\n";
        for (const auto& p : s.points) {
            out += "<circle class=\"point\" r=\"2.5\" cx=\"" + num(x_of(p.x)) + "\" cy=\"" +
                   num(y_of(p.y)) + "\" fill=\"";
            html::append_escaped(out, s.color);
            out += "\"><title>";
            html::append_escaped(out, s.name);
            out += ' ' + label(p.y) + " at " + label(p.x) + "</title></circle>\n";
        }
        out += "<rect class=\"legend-swatch\" x=\"" + num(kLeft + kPlotWidth + 16) + "\" y=\"" +
               num(legend_y - 9) + "\" width=\"12\" height=\"10\" fill=\"";
        html::append_escaped(out, s.color);
        out += "\"/><text class=\"legend\" x=\"" + num(kLeft + kPlotWidth + 34) + "\" y=\"" +
               num(legend_y) + "\">";
        html::append_escaped(out, s.name);
        out += "</text>\n</g>\n";
        legend_y += 18;
    }
    out += "</svg>\n";
    return out;
}

std::string render_bar_chart(const BarChart& chart) {
    std::string out;
    open_svg(out, "bar-chart", chart.title);
    double y_max = 0;
    for (const auto& b : chart.bars)
        y_max = std::max(y_max, b.value);
    const auto y_ticks = nice_ticks(y_max);
    y_axis(out, y_ticks);
    axis_labels(out, chart.x_label, chart.y_label);
    if (chart.bars.empty()) {
        no_data(out);
        out += "</svg>\n";
        return out;
    }
    const double slot = kPlotWidth / static_cast<double>(chart.bars.size());
    const double gap = std::min(4.0, slot * 0.2);
    // Label every bar when they fit, else every n-th, so labels do not overlap.
    const auto every =
        std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(60.0 / std::max(slot, 1.0))));
    for (std::size_t i = 0; i < chart.bars.size(); ++i) {
        const auto& b = chart.bars[i];
        const double height = b.value / y_ticks.back() * kPlotHeight;
        const double x = kLeft + slot * static_cast<double>(i) + gap / 2;
        out += "<rect class=\"bar\" x=\"" + num(x) + "\" y=\"" + num(kTop + kPlotHeight - height) +
               "\" width=\"" + num(slot - gap) + "\" height=\"" + num(height) + "\" fill=\"";
        html::append_escaped(out, chart.color);
        out += "\"><title>";
        html::append_escaped(out, b.label);
        out += ": " + label(b.value) + "</title></rect>\n";
        if (i % every == 0) {
            out += "<text class=\"tick x-tick\" x=\"" + num(x + (slot - gap) / 2) + "\" y=\"" +
                   num(kTop + kPlotHeight + 16) + "\" text-anchor=\"middle\">";
            html::append_escaped(out, b.label);
            out += "</text>\n";
        }
    }
    out += "</svg>\n";
    return out;
}

}  // namespace amqpprox::analyze
