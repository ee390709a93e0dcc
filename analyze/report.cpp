#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>

#include "formats/text/time.hpp"
#include "html.hpp"
#include "output_format.hpp"
#include "sequence_diagram.hpp"
#include "session_list.hpp"
#include "stats.hpp"
#include "svg_chart.hpp"

namespace amqpprox::analyze {
namespace {

constexpr const char* kStyle = R"(
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; }
table.sessions { border-collapse: collapse; font-size: 12px; }
table.sessions th, table.sessions td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; }
table.sessions th { background: #f0f0f0; }
table.sessions td { white-space: nowrap; }
td.num { text-align: right; }
div.scroll { max-height: 480px; overflow: auto; }  /* thousands of sessions stay one box */
svg { display: block; margin: 12px 0; background: #fff; }
svg text { font-size: 11px; fill: #333; }
svg .title { font-size: 13px; font-weight: bold; }
svg .axis { stroke: #333; } svg .grid { stroke: #eee; }
svg .series { stroke-width: 1.5; }
svg.sequence .lane rect { fill: #eef3fb; stroke: #6b8cc7; }
svg.sequence .lifeline { stroke: #aaa; stroke-dasharray: 4 3; }
svg.sequence .message { stroke: #333; }
svg.sequence .b2c .message { stroke: #1f6fb2; }
svg.sequence .seen { fill: #c33; }
svg.sequence .label { font-family: ui-monospace, monospace; font-size: 10.5px; }
svg.sequence .time { font-family: ui-monospace, monospace; font-size: 10px; fill: #777; }
svg.sequence .cut-note { font-weight: bold; fill: #a33; }
.note { color: #666; }
)";

// Marks the page when it loaded (and how many charts it holds), or when a script failed,
// so a headless browser's DOM dump tells whether the page rendered.
constexpr const char* kScript = R"(
window.addEventListener('error', function () { document.body.setAttribute('data-js-error', '1'); });
window.addEventListener('load', function () {
  var charts = document.querySelectorAll('svg.chart, svg.sequence');
  var drawn = 0;
  charts.forEach(function (svg) { if (svg.getBBox().width > 0) drawn++; });
  document.body.setAttribute('data-charts-rendered', String(drawn));
});
)";

const char* const kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};

std::string escaped(std::string_view s) {
    return html::escape(s);
}

std::string seconds_text(std::int64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e9);
    return buf;
}

// "0", "512", "1 Ki", "64 Mi": the low end of a power-of-two range of bytes.
std::string bytes_label(std::uint64_t v) {
    const char* units[] = {"", " Ki", " Mi", " Gi", " Ti", " Pi", " Ei"};
    std::size_t u = 0;
    while (v >= 1024 && v % 1024 == 0 && u + 1 < std::size(units)) {
        v /= 1024;
        ++u;
    }
    return std::to_string(v) + units[u];
}

// "0", "512 ns", "1.0 µs", "33.6 ms", "2.1 s": the low end of a range of nanoseconds.
std::string ns_label(std::uint64_t v) {
    char buf[32];
    const auto d = static_cast<double>(v);
    if (v < 1000)
        std::snprintf(buf, sizeof buf, "%llu ns", static_cast<unsigned long long>(v));
    else if (v < 1'000'000)
        std::snprintf(buf, sizeof buf, "%.1f \xC2\xB5s", d / 1e3);
    else if (v < 1'000'000'000)
        std::snprintf(buf, sizeof buf, "%.1f ms", d / 1e6);
    else
        std::snprintf(buf, sizeof buf, "%.1f s", d / 1e9);
    return buf;
}

template <typename Label>
BarChart histogram_chart(std::string title, std::string x_label, const Histogram& h,
                         const char* color, Label&& label) {
    BarChart chart{std::move(title), std::move(x_label), "count", color, {}};
    for (const auto& range : h.power_of_two_ranges())
        chart.bars.push_back({"\xE2\x89\xA5" + label(range.low), static_cast<double>(range.count)});
    return chart;
}

void session_table(std::string& out, const std::vector<SessionSummary>& sessions) {
    const auto columns = session_columns();
    out += "<div class=\"scroll\"><table class=\"sessions\">\n<thead><tr>";
    for (const auto& c : columns)
        out += "<th>" + escaped(c) + "</th>";
    out += "</tr></thead>\n<tbody>\n";
    for (const auto& s : sessions) {
        out += "<tr class=\"session\" data-session=\"" + escaped(s.info->label) + "\">";
        const auto cells = session_cells(s);
        for (std::size_t i = 0; i < cells.size(); ++i) {
            // CHANNELS, PUBLISHED, DELIVERED, BYTES are numbers: right-aligned.
            const bool numeric = i >= 8 && i <= 11;
            out += numeric ? "<td class=\"num\">" : "<td>";
            html::append_escaped(out, cells[i]);
            out += "</td>";
        }
        out += "</tr>\n";
    }
    out += "</tbody></table></div>\n";
}

// Published, delivered and acked messages per second in each bucket.
std::string rate_chart(const Timeline& t) {
    LineChart chart{"Messages per second",
                    "seconds since " + text::format_utc_ns(t.start_ns),
                    "messages/s",
                    {}};
    const double bucket_s = static_cast<double>(t.bucket_ns) / 1e9;
    const std::pair<const char*, std::uint64_t TimelineBucket::*> kinds[] = {
        {"published", &TimelineBucket::published},
        {"delivered", &TimelineBucket::delivered},
        {"acked", &TimelineBucket::acked}};
    std::size_t color = 0;
    for (const auto& [name, member] : kinds) {
        ChartSeries series{name, kColors[color++], {}};
        for (std::size_t i = 0; i < t.buckets.size(); ++i)
            series.points.push_back({static_cast<double>(i) * bucket_s,
                                     static_cast<double>(t.buckets[i].*member) / bucket_s});
        chart.series.push_back(std::move(series));
    }
    return render_line_chart(chart);
}

// p50 and p99 per bucket of each latency kind that has values; a bucket without values of
// a kind has no point for it.
std::string latency_chart(const Timeline& t) {
    LineChart chart{"Latency over time (p50, p99)",
                    "seconds since " + text::format_utc_ns(t.start_ns),
                    "ms",
                    {}};
    const double bucket_s = static_cast<double>(t.bucket_ns) / 1e9;
    const std::pair<const char*, Histogram TimelineBucket::*> kinds[] = {
        {"rpc", &TimelineBucket::rpc},
        {"confirm", &TimelineBucket::confirm},
        {"consumer", &TimelineBucket::consumer}};
    std::size_t color = 0;
    for (const auto& [name, member] : kinds) {
        for (const double p : {50.0, 99.0}) {
            ChartSeries series{
                std::string(name) + (p == 50.0 ? " p50" : " p99"), kColors[color++], {}};
            for (std::size_t i = 0; i < t.buckets.size(); ++i) {
                const auto& h = t.buckets[i].*member;
                if (h.count() == 0) continue;
                series.points.push_back({static_cast<double>(i) * bucket_s,
                                         static_cast<double>(h.percentile(p)) / 1e6});
            }
            if (!series.points.empty()) chart.series.push_back(std::move(series));
        }
    }
    return render_line_chart(chart);
}

// The session whose sequence is drawn: the one asked for, else the one with most frames
// (the first of those on a tie).
const SessionInfo* sequence_session(const InputSet& inputs,
                                    const std::vector<SessionSummary>& sessions,
                                    const ReportOptions& options, std::ostream& err) {
    if (options.sequence_session) {
        const auto key = inputs.parse_session(*options.sequence_session);
        if (!key) {
            err << "amqp-analyze: --sequence-session: no session \"" << *options.sequence_session
                << "\" (accepted: a session id";
            if (inputs.series_count() > 1) err << " as INPUT:ID";
            err << ", as `sessions` lists them)\n";
            return nullptr;
        }
        return inputs.find(*key);
    }
    const SessionSummary* busiest = &sessions.front();
    for (const auto& s : sessions)
        if (s.info->row.frames > busiest->info->row.frames) busiest = &s;
    return busiest->info;
}

}  // namespace

int write_report(const InputSet& inputs, const Selection& selection, const ReportOptions& options,
                 std::ostream& out, std::ostream& err) {
    const auto sessions = list_sessions(inputs, selection);
    if (sessions.empty()) {
        err << "amqp-analyze: no sessions matched\n";
        return kExitNothingMatched;
    }
    const auto* chosen = sequence_session(inputs, sessions, options, err);
    if (!chosen) return kExitBadInput;

    const auto stats = compute_stats(inputs, selection, {}, options.timeline_buckets);
    const auto sequence = collect_sequence(inputs, selection, *chosen, options.sequence_limit);

    std::string page;
    page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    // Nothing may be fetched: the page is read offline, and its text comes from captures.
    page +=
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n";
    page += "<title>amqp-analyze report</title>\n<style>";
    page += kStyle;
    page += "</style>\n</head>\n<body>\n<h1>amqp-analyze report</h1>\n<p class=\"summary\">";
    for (std::size_t i = 0; i < options.inputs.size(); ++i) {
        if (i > 0) page += ", ";
        page += "<code>" + escaped(options.inputs[i]) + "</code>";
    }
    page += ": " + std::to_string(sessions.size()) + " sessions, " + std::to_string(stats.frames) +
            " frames";
    if (stats.first_ns && stats.last_ns) {
        page += ", " + escaped(text::format_utc_ns(*stats.first_ns)) + " to " +
                escaped(text::format_utc_ns(*stats.last_ns)) + " (" +
                seconds_text(*stats.last_ns - *stats.first_ns) + " s)";
    }
    page += "; " + std::to_string(stats.errors.size()) + " errors.</p>\n";

    page += "<section id=\"sessions\">\n<h2>Sessions</h2>\n";
    session_table(page, sessions);
    page += "</section>\n";

    page += "<section id=\"over-time\">\n<h2>Over time</h2>\n";
    if (!stats.timeline.buckets.empty()) {
        page += "<p class=\"note\">Buckets of " + seconds_text(stats.timeline.bucket_ns) +
                " s. Latencies count in the bucket where they end.</p>\n";
    }
    page += rate_chart(stats.timeline);
    page += latency_chart(stats.timeline);
    page += "</section>\n";

    const auto& overall = stats.overall;
    Histogram rpc;
    for (const auto& [name, h] : overall.latency.rpc)
        rpc.merge(h);
    page += "<section id=\"histograms\">\n<h2>Histograms</h2>\n";
    page += render_bar_chart(histogram_chart("Message sizes (published and delivered)", "bytes",
                                             overall.message_sizes, kColors[0], bytes_label));
    page += render_bar_chart(
        histogram_chart("RPC latency (all methods)", "latency", rpc, kColors[1], ns_label));
    page += render_bar_chart(histogram_chart("Confirm latency", "latency", overall.latency.confirm,
                                             kColors[2], ns_label));
    page += render_bar_chart(histogram_chart("Consumer latency (deliver to ack)", "latency",
                                             overall.latency.consumer, kColors[3], ns_label));
    page += "</section>\n";

    page += "<section id=\"sequence\">\n<h2>Sequence of session " + escaped(sequence.session) +
            "</h2>\n<p class=\"note\">Methods in the order the proxy saw them (red dot); times "
            "from the session's start.</p>\n";
    page += render_sequence(sequence);
    page += "</section>\n";

    page += "<script>";
    page += kScript;
    page += "</script>\n</body>\n</html>\n";
    out << page;

    const auto undecodable = stats.undecodable;
    if (undecodable > 0) {
        err << "amqp-analyze: " << undecodable << " frames could not be decoded\n";
        return kExitBadInput;
    }
    return kExitOk;
}

}  // namespace amqpprox::analyze
