#include "replay.hpp"

#include <charconv>
#include <chrono>
#include <cmath>
#include <memory>

#include "capture/sqlite.hpp"
#include "plan.hpp"
#include "rewriter.hpp"
#include "runner.hpp"
#include "schedule_text.hpp"
#include "sender_priority.hpp"

namespace amqpprox::replay {

tl::expected<std::optional<double>, std::string> parse_speed(std::string_view text) {
    if (text == "max") return std::optional<double>{};
    double factor = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, factor);
    if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(factor) || factor <= 0) {
        return tl::unexpected("bad --speed '" + std::string(text) +
                              "': accepted: max (as fast as the replies allow), 1 (as recorded), "
                              "or N > 0 (N times faster)");
    }
    return std::optional<double>{factor};
}

int run_replay(const ReplayOptions& options, std::ostream& out, std::ostream& err,
               const GetEnv& getenv) {
    const auto fail = [&](const std::string& message) {
        err << "amqp-replay: " << message << '\n';
        return 2;
    };
    auto target = parse_target(options.target);
    if (!target) return fail(target.error());
    auto speed = parse_speed(options.speed);
    if (!speed) return fail(speed.error());
    if (options.concurrency == 0) return fail("bad --concurrency 0: accepted: 1 or more");
    if (options.timeout_ms == 0) return fail("bad --timeout 0: accepted: 1 ms or more");
    if (options.realtime && !*speed) {
        return fail(
            "--realtime is for paced replays: accepted with --speed 1 or N, not max "
            "(a sender that never sleeps would take a core from the broker)");
    }
    RewriteRules rules;
    for (const auto& r : options.rewrites) {
        if (auto ok = add_rewrite_rule(rules, r); !ok) return fail(ok.error());
    }
    for (const auto& v : options.vhost_maps) {
        if (auto ok = add_vhost_map(rules, v); !ok) return fail(ok.error());
    }
    rules.prefix = options.prefix;

    auto inputs = analyze::InputSet::open(options.inputs);
    if (!inputs) return fail(inputs.error().message);
    for (const auto& warning : inputs->warnings())
        err << "amqp-replay: " << warning << '\n';
    auto selection = analyze::make_selection(options.selection, *inputs);
    if (!selection) return fail(selection.error());
    auto plan = build_plan(*inputs, *selection);
    if (!plan) return fail(plan.error());

    const Rewriter rewriter(std::move(rules));
    if (options.dry_run) {
        write_schedule(out,
                       {.target = *target,
                        .credentials = resolve_credentials(*target, getenv),
                        .speed = *speed,
                        .concurrency = options.concurrency,
                        .timeout_ms = options.timeout_ms},
                       *plan, rewriter);
        return 0;
    }
    // Paced sends are timer expiries on this thread, which runs the replay: it asks to get a
    // core as soon as a timer wakes it. Threads started later (the recorder's, the
    // resolver's) keep the normal policy.
    if (*speed) (void)request_short_slice(std::chrono::microseconds(100));
    if (options.realtime) {
        if (auto why = request_realtime(); !why.empty()) {
            return fail("--realtime: cannot run the sender under SCHED_FIFO: " + why +
                        " (needs root, CAP_SYS_NICE, or ulimit -r 1 or more)");
        }
    }
    std::unique_ptr<capture::CaptureWriter> recording;
    if (!options.record.empty()) {
        try {
            // Nothing dropped: a recording of a test run should be whole, even if the
            // replay waits for the writer now and then.
            capture::WriterOptions writer_options;
            writer_options.overflow = capture::OverflowPolicy::block;
            writer_options.source = "amqp-replay";
            recording =
                std::make_unique<capture::CaptureWriter>(options.record, std::move(writer_options));
        } catch (const std::exception& e) {
            return fail("cannot create --record file '" + options.record + "': " + e.what());
        }
    }
    const auto& target_ref = *target;
    RunOptions run{
        .target = *target,
        .credentials = resolve_credentials(*target, getenv),
        .tls = options.tls,
        .speed = *speed,
        .concurrency = options.concurrency,
        .timeout_ms = options.timeout_ms,
        .diff = {.loose = options.loose},
        .vhost = [&](const SessionPlan& s) { return session_vhost(s, target_ref, rewriter); },
        .record = recording.get()};
    const auto report = run_plan(*plan, rewriter.rules(), run);
    if (recording) {
        recording->close();
        if (const auto stats = recording->stats(); !stats.error.empty()) {
            err << "amqp-replay: --record " << options.record << ": " << stats.error << '\n';
            return 2;
        }
    }
    switch (options.format) {
        case ReportFormat::text:
            write_text(out, report);
            break;
        case ReportFormat::json:
            write_json(out, report);
            break;
        case ReportFormat::junit:
            write_junit(out, report);
            break;
    }
    return report.exit_code();
}

}  // namespace amqpprox::replay
