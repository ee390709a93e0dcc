// Text, JSON and CSV forms of a StatsReport.
#include <algorithm>
#include <cstdio>
#include <ostream>

#include "formats/amqp/methods.hpp"
#include "formats/text/json_writer.hpp"
#include "formats/text/time.hpp"
#include "stats.hpp"
#include "table.hpp"

namespace amqpprox::analyze {
namespace {

std::string method_name(std::uint32_t key, bool display) {
    const auto* info = amqp::find_method(amqp::MethodId::from_key(key));
    if (!info) return std::to_string(key >> 16) + "." + std::to_string(key & 0xffff);
    return display ? info->display_name : std::string(info->name);
}

std::string ms(std::uint64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f ms", static_cast<double>(ns) / 1e6);
    return buf;
}

std::string bytes(std::uint64_t n) {
    char buf[32];
    if (n < 1024) return std::to_string(n) + " B";
    if (n < 1024 * 1024)
        std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024);
    else if (n < 1024ull * 1024 * 1024)
        std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / (1024 * 1024));
    else
        std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(n) / (1024.0 * 1024 * 1024));
    return buf;
}

constexpr std::pair<const char*, std::uint64_t Traffic::*> kTraffic[] = {
    {"published", &Traffic::published},
    {"published_bytes", &Traffic::published_bytes},
    {"delivered", &Traffic::delivered},
    {"delivered_bytes", &Traffic::delivered_bytes},
    {"acked", &Traffic::acked},
    {"nacked", &Traffic::nacked},
    {"rejected", &Traffic::rejected},
    {"returned", &Traffic::returned},
    {"redelivered", &Traffic::redelivered},
    {"confirmed", &Traffic::confirmed},
    {"confirm_nacked", &Traffic::confirm_nacked},
};

// Every latency histogram of a group with its name: "rpc.queue.declare", "confirm", ...
template <typename Fn>
void for_each_latency(const Latencies& l, Fn&& fn) {
    for (const auto& [name, h] : l.rpc)
        fn("rpc." + name, h);
    fn(std::string("confirm"), l.confirm);
    fn(std::string("consumer"), l.consumer);
    fn(std::string("get"), l.get);
}

void json_histogram(text::JsonWriter& json, const Histogram& h) {
    json.begin_object();
    json.key("count").value(h.count());
    json.key("min").value(h.min());
    json.key("p50").value(h.percentile(50));
    json.key("p90").value(h.percentile(90));
    json.key("p99").value(h.percentile(99));
    json.key("max").value(h.max());
    json.key("mean").value(h.mean());
    json.end_object();
}

void json_group(text::JsonWriter& json, const GroupStats& g) {
    json.begin_object();
    json.key("methods").begin_object();
    for (const auto& [key, n] : g.methods)
        json.key(method_name(key, false)).value(n);
    json.end_object();
    json.key("traffic").begin_object();
    for (const auto& [name, member] : kTraffic)
        json.key(name).value(g.traffic.*member);
    json.end_object();
    json.key("message_sizes");
    json_histogram(json, g.message_sizes);
    json.key("latency_ns").begin_object();
    json.key("rpc").begin_object();
    for (const auto& [name, h] : g.latency.rpc) {
        json.key(name);
        json_histogram(json, h);
    }
    json.end_object();
    json.key("confirm");
    json_histogram(json, g.latency.confirm);
    json.key("consumer");
    json_histogram(json, g.latency.consumer);
    json.key("get");
    json_histogram(json, g.latency.get);
    json.end_object();
    json.end_object();
}

void print_json(const StatsReport& r, std::ostream& out) {
    std::string s;
    text::JsonWriter json(s);
    json.begin_object();
    json.key("sessions").value(r.sessions);
    json.key("frames").value(r.frames);
    json.key("first_ns");
    r.first_ns ? json.value(*r.first_ns) : json.null();
    json.key("last_ns");
    r.last_ns ? json.value(*r.last_ns) : json.null();
    json.key("incomplete_messages").value(r.incomplete_messages);
    json.key("unconfirmed_at_end").value(r.unconfirmed_at_end);
    json.key("undecodable").value(r.undecodable);
    json.key("overall");
    json_group(json, r.overall);
    json.key("by").begin_object();
    for (const auto& [dimension, groups] : r.groups) {
        json.key(to_string(dimension)).begin_object();
        for (const auto& [name, g] : groups) {
            json.key(name);
            json_group(json, g);
        }
        json.end_object();
    }
    json.end_object();
    json.key("rates").begin_array();
    for (const auto& b : r.rates) {
        json.begin_object();
        json.key("second").value(b.second);
        json.key("published").value(b.published);
        json.key("delivered").value(b.delivered);
        json.key("acked").value(b.acked);
        json.key("bytes").value(b.bytes);
        json.end_object();
    }
    json.end_array();
    json.key("errors").begin_array();
    for (const auto& e : r.errors) {
        json.begin_object();
        json.key("ts_ns").value(e.ts_ns);
        json.key("session").value(e.session);
        json.key("channel").value(e.channel);
        json.key("code").value(e.code);
        json.key("text").value(e.text);
        json.key("sent_by").value(e.sent_by);
        json.key("method").value(e.failed_method);
        json.end_object();
    }
    json.end_array();
    json.key("heartbeats").begin_array();
    for (const auto& h : r.heartbeats) {
        json.begin_object();
        json.key("session").value(h.session);
        json.key("interval_s").value(h.interval_s);
        json.key("client_misses").value(h.client_misses);
        json.key("broker_misses").value(h.broker_misses);
        json.key("longest_client_silence_ns").value(h.longest_client_silence_ns);
        json.key("longest_broker_silence_ns").value(h.longest_broker_silence_ns);
        json.end_object();
    }
    json.end_array();
    json.key("blocked").begin_array();
    for (const auto& b : r.blocked) {
        json.begin_object();
        json.key("session").value(b.session);
        json.key("start_ns").value(b.start_ns);
        json.key("end_ns");
        b.end_ns ? json.value(*b.end_ns) : json.null();
        json.key("reason").value(b.reason);
        json.end_object();
    }
    json.end_array();
    json.key("consumers").begin_array();
    for (const auto& c : r.consumers) {
        json.begin_object();
        json.key("session").value(c.session);
        json.key("channel").value(c.channel);
        json.key("consumer_tag").value(c.consumer_tag);
        json.key("queue").value(c.queue);
        json.key("prefetch").value(c.prefetch);
        json.key("delivered").value(c.delivered);
        json.key("settled").value(c.settled);
        json.key("max_unacked").value(c.max_unacked);
        json.key("unacked_at_end").value(c.unacked_at_end);
        json.end_object();
    }
    json.end_array();
    json.end_object();
    out << s << '\n';
}

void csv_group(Table& table, std::string_view group, const std::string& key, const GroupStats& g) {
    auto row = [&](std::string metric, std::uint64_t value) {
        table.add({std::string(group), key, std::move(metric), std::to_string(value)});
    };
    for (const auto& [k, n] : g.methods)
        row("methods." + method_name(k, false), n);
    for (const auto& [name, member] : kTraffic)
        row(std::string("traffic.") + name, g.traffic.*member);
    auto histogram = [&](const std::string& prefix, const Histogram& h) {
        if (h.count() == 0) return;
        row(prefix + ".count", h.count());
        row(prefix + ".p50", h.percentile(50));
        row(prefix + ".p90", h.percentile(90));
        row(prefix + ".p99", h.percentile(99));
        row(prefix + ".max", h.max());
    };
    histogram("message_size", g.message_sizes);
    for_each_latency(g.latency, [&](const std::string& name, const Histogram& h) {
        histogram("latency_ns." + name, h);
    });
}

void print_csv(const StatsReport& r, std::ostream& out) {
    Table table({"group", "key", "metric", "value"});
    csv_group(table, "overall", "", r.overall);
    for (const auto& [dimension, groups] : r.groups)
        for (const auto& [name, g] : groups)
            csv_group(table, to_string(dimension), name, g);
    table.print_csv(out);
}

std::vector<std::string> latency_cells(const Histogram& h) {
    if (h.count() == 0) return {"0", "-", "-", "-", "-"};
    return {std::to_string(h.count()), ms(h.percentile(50)), ms(h.percentile(90)),
            ms(h.percentile(99)), ms(h.max())};
}

void print_text(const StatsReport& r, const StatsOptions& options, std::ostream& out) {
    const auto& t = r.overall.traffic;
    out << "Overall: " << r.sessions << " sessions, " << r.frames << " frames";
    if (r.first_ns) {
        out << ", " << text::format_utc_ns(*r.first_ns) << " .. " << text::format_utc_ns(*r.last_ns)
            << " (" << text::format_duration_ns(*r.last_ns - *r.first_ns) << ")";
    }
    out << "\nMessages: published " << t.published << " (" << bytes(t.published_bytes)
        << "), delivered " << t.delivered << " (" << bytes(t.delivered_bytes) << "), acked "
        << t.acked << ", nacked " << t.nacked << ", rejected " << t.rejected << ", returned "
        << t.returned << ", redelivered " << t.redelivered << ", confirmed " << t.confirmed
        << ", confirm-nacked " << t.confirm_nacked << '\n';
    const auto& sizes = r.overall.message_sizes;
    if (sizes.count() > 0) {
        out << "Message sizes: p50 " << bytes(sizes.percentile(50)) << ", p90 "
            << bytes(sizes.percentile(90)) << ", p99 " << bytes(sizes.percentile(99)) << ", max "
            << bytes(sizes.max()) << '\n';
    }
    if (!r.rates.empty()) {
        const auto peak = [&](std::uint64_t RateBucket::*member) {
            return *std::max_element(
                r.rates.begin(), r.rates.end(),
                [&](const auto& a, const auto& b) { return a.*member < b.*member; });
        };
        const auto p = peak(&RateBucket::published), d = peak(&RateBucket::delivered);
        out << "Peak rates: published " << p.published << " msg/s at "
            << text::format_utc_ns(p.second * 1'000'000'000) << ", delivered " << d.delivered
            << " msg/s at " << text::format_utc_ns(d.second * 1'000'000'000) << '\n';
    }
    if (r.incomplete_messages || r.unconfirmed_at_end || r.undecodable) {
        out << "Incomplete: " << r.incomplete_messages << " messages cut short, "
            << r.unconfirmed_at_end << " publishes never confirmed, " << r.undecodable
            << " frames not decodable\n";
    }

    Table latency({"LATENCY", "COUNT", "P50", "P90", "P99", "MAX"});
    for_each_latency(r.overall.latency, [&](const std::string& name, const Histogram& h) {
        if (h.count() == 0) return;
        auto row = latency_cells(h);
        row.insert(row.begin(), name);
        latency.add(std::move(row));
    });
    if (!latency.empty()) {
        out << '\n';
        latency.print_text(out);
    }

    Table methods({"METHOD", "FRAMES"});
    std::vector<std::pair<std::uint32_t, std::uint64_t>> by_count(r.overall.methods.begin(),
                                                                  r.overall.methods.end());
    std::stable_sort(by_count.begin(), by_count.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [key, n] : by_count)
        methods.add({method_name(key, true), std::to_string(n)});
    if (!methods.empty()) {
        out << '\n';
        methods.print_text(out);
    }

    for (const auto& [dimension, groups] : r.groups) {
        if (groups.empty()) continue;
        std::vector<const std::pair<const std::string, GroupStats>*> rows;
        for (const auto& entry : groups)
            rows.push_back(&entry);
        std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
            const auto volume = [](const GroupStats& g) {
                return g.traffic.published + g.traffic.delivered;
            };
            return volume(a->second) > volume(b->second);
        });
        std::string title(to_string(dimension));
        for (auto& c : title)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        Table table({title, "PUBLISHED", "BYTES", "DELIVERED", "BYTES", "ACKED", "NACKED",
                     "REJECTED", "RETURNED", "REDELIVERED", "CONFIRMED", "CONFIRM P99",
                     "CONSUMER P99"});
        for (std::size_t i = 0; i < rows.size() && i < options.top; ++i) {
            const auto& [name, g] = *rows[i];
            const auto& tr = g.traffic;
            auto p99 = [](const Histogram& h) {
                return h.count() ? ms(h.percentile(99)) : std::string("-");
            };
            table.add(
                {name.empty() ? "\"\"" : name, std::to_string(tr.published),
                 bytes(tr.published_bytes), std::to_string(tr.delivered), bytes(tr.delivered_bytes),
                 std::to_string(tr.acked), std::to_string(tr.nacked), std::to_string(tr.rejected),
                 std::to_string(tr.returned), std::to_string(tr.redelivered),
                 std::to_string(tr.confirmed), p99(g.latency.confirm), p99(g.latency.consumer)});
        }
        out << '\n';
        table.print_text(out);
        if (rows.size() > options.top)
            out << "... " << rows.size() - options.top << " more (--top N, or --format json)\n";
    }

    if (!r.errors.empty()) {
        out << "\nErrors:\n";
        Table errors({"TIME", "SESSION", "CHANNEL", "CODE", "FROM", "METHOD", "TEXT"});
        for (std::size_t i = 0; i < r.errors.size() && i < options.top; ++i) {
            const auto& e = r.errors[i];
            errors.add({text::format_utc_ns(e.ts_ns), e.session, std::to_string(e.channel),
                        std::to_string(e.code), e.sent_by,
                        e.failed_method.empty() ? "-" : e.failed_method, e.text});
        }
        errors.print_text(out);
    }
    const auto missed = std::count_if(r.heartbeats.begin(), r.heartbeats.end(), [](const auto& h) {
        return h.client_misses + h.broker_misses > 0;
    });
    if (missed > 0) {
        out << "\nHeartbeat misses (silences longer than twice the interval):\n";
        Table hb({"SESSION", "INTERVAL", "CLIENT MISSES", "LONGEST", "BROKER MISSES", "LONGEST"});
        for (const auto& h : r.heartbeats) {
            if (h.client_misses + h.broker_misses == 0) continue;
            hb.add({h.session, std::to_string(h.interval_s) + " s", std::to_string(h.client_misses),
                    text::format_duration_ns(h.longest_client_silence_ns),
                    std::to_string(h.broker_misses),
                    text::format_duration_ns(h.longest_broker_silence_ns)});
        }
        hb.print_text(out);
    }
    if (!r.blocked.empty()) {
        out << "\nBlocked (connection.blocked):\n";
        Table blocked({"SESSION", "FROM", "FOR", "REASON"});
        for (const auto& b : r.blocked) {
            blocked.add({b.session, text::format_utc_ns(b.start_ns),
                         b.end_ns ? text::format_duration_ns(*b.end_ns - b.start_ns)
                                  : std::string("until the end"),
                         b.reason});
        }
        blocked.print_text(out);
    }
    std::vector<const ConsumerReport*> piling;
    for (const auto& c : r.consumers)
        if (c.max_unacked > 1 || c.unacked_at_end > 0) piling.push_back(&c);
    if (!piling.empty()) {
        std::stable_sort(piling.begin(), piling.end(), [](const auto* a, const auto* b) {
            return a->max_unacked > b->max_unacked;
        });
        out << "\nUnacked deliveries by consumer:\n";
        Table consumers({"SESSION", "CHANNEL", "CONSUMER", "QUEUE", "PREFETCH", "DELIVERED",
                         "SETTLED", "MAX UNACKED", "UNACKED AT END"});
        for (std::size_t i = 0; i < piling.size() && i < options.top; ++i) {
            const auto& c = *piling[i];
            consumers.add({c.session, std::to_string(c.channel), c.consumer_tag, c.queue,
                           c.prefetch ? std::to_string(c.prefetch) : "none",
                           std::to_string(c.delivered), std::to_string(c.settled),
                           std::to_string(c.max_unacked), std::to_string(c.unacked_at_end)});
        }
        consumers.print_text(out);
    }
}

}  // namespace

void print_stats(const StatsReport& report, const StatsOptions& options, std::ostream& out) {
    switch (options.format) {
        case OutputFormat::json:
            print_json(report, out);
            break;
        case OutputFormat::csv:
            print_csv(report, out);
            break;
        case OutputFormat::text:
            print_text(report, options, out);
            break;
    }
}

int run_stats(const InputSet& inputs, const Selection& selection, const StatsOptions& options,
              std::ostream& out, std::ostream& err) {
    const auto report = compute_stats(inputs, selection, options.by);
    if (report.frames == 0) {
        err << "amqp-analyze: no frames matched\n";
        return kExitNothingMatched;
    }
    print_stats(report, options, out);
    if (report.undecodable > 0) {
        err << "amqp-analyze: " << report.undecodable
            << " frame(s) could not be decoded and were left out of the statistics\n";
        return kExitBadInput;
    }
    return kExitOk;
}

}  // namespace amqpprox::analyze
