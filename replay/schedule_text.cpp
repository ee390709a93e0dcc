#include "schedule_text.hpp"

#include <cstdio>
#include <set>

#include "formats/amqp/content.hpp"
#include "formats/amqp/printer.hpp"
#include "formats/text/escape.hpp"

namespace amqpprox::replay {

namespace {

std::string offset_text(std::int64_t ns) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "+%.3f ms", static_cast<double>(ns) / 1e6);
    return buffer;
}

std::string method_names(const std::vector<amqp::MethodId>& ids) {
    std::string out;
    for (const auto& id : ids) {
        if (!out.empty()) out += "|";
        const auto* info = amqp::find_method(id);
        out += info != nullptr ? info->display_name : std::to_string(id.key());
    }
    return out;
}

// Names are bytes from a capture: escaped so that one stays one line.
std::string quoted_name(std::string_view text) {
    std::string out;
    text::append_quoted(out, text);
    return out;
}

}  // namespace

std::string describe(const Wait& wait) {
    std::string out = method_names(wait.methods) + " #" + std::to_string(wait.ordinal) +
                      " on channel " + std::to_string(wait.channel) + " (" +
                      std::string(to_string(wait.reason));
    if (!wait.detail.empty()) out += ": " + wait.detail;
    return out + ")";
}

std::string session_vhost(const SessionPlan& session, const Target& target,
                          const Rewriter& rewriter) {
    if (rewriter.rules().vhosts.contains(session.vhost)) return rewriter.vhost(session.vhost);
    return target.vhost.value_or(session.vhost);
}

void write_schedule(std::ostream& out, const ScheduleHeader& header, const Plan& plan,
                    const Rewriter& rewriter) {
    out << "target " << display(header.target) << " as user "
        << quoted_name(header.credentials.user) << " (credentials from "
        << header.credentials.source << ")\n";
    out << "speed " << (header.speed ? std::to_string(*header.speed) + "x" : std::string("max"))
        << ", concurrency " << header.concurrency << ", timeout " << header.timeout_ms
        << " ms per awaited reply\n";

    const auto& rules = rewriter.rules();
    out << "rewrites:";
    bool any = false;
    for (const auto& [from, to] : rules.vhosts) {
        out << "\n  vhost " << quoted_name(from) << " -> " << quoted_name(to);
        any = true;
    }
    for (const auto& [from, to] : rules.exchanges) {
        out << "\n  exchange " << quoted_name(from) << " -> " << quoted_name(to);
        any = true;
    }
    for (const auto& [from, to] : rules.queues) {
        out << "\n  queue " << quoted_name(from) << " -> " << quoted_name(to);
        any = true;
    }
    if (!rules.prefix.empty()) {
        out << "\n  prefix " << quoted_name(rules.prefix)
            << " on every exchange and queue (not the default exchange, amq.*, server-named)";
        any = true;
    }
    out << (any ? "\n" : " none\n");

    for (const auto& s : plan.sessions) {
        std::size_t frames = 0;
        for (const auto& step : s.steps)
            frames += 1 + step.content.size();
        out << "\nsession " << s.label << ": vhost " << quoted_name(s.vhost) << " -> "
            << quoted_name(session_vhost(s, header.target, rewriter)) << ", starts at "
            << offset_text(s.start_offset_ns) << ", " << s.steps.size() << " steps (" << frames
            << " frames), " << s.expected.size() << " broker frames expected"
            << (s.cut ? ", cut in the recording" : "")
            << (s.handshake_complete ? "" : ", no completed handshake: skipped") << '\n';
        for (const auto& w : s.warnings)
            out << "  note: " << w << '\n';
        std::set<std::string> server_names;
        for (const auto& step : s.steps) {
            out << "  " << offset_text(step.offset_ns) << " ch" << step.channel << " "
                << amqp::to_text(rewriter.to_replay(step.channel, step.method));
            if (!step.content.empty()) {
                std::uint64_t body = 0;
                for (const auto& f : step.content) {
                    if (f.type == amqp::FrameType::body) body += f.size;
                }
                out << " + content (" << body << " body bytes)";
                if (step.content.front().type == amqp::FrameType::header) {
                    auto header_frame = amqp::decode_content_header(step.content.front().payload);
                    if (header_frame && header_frame->properties.reply_to) {
                        out << " reply_to="
                            << quoted_name(
                                   rewriter.to_replay(header_frame->properties).reply_to.value());
                    }
                }
            }
            out << '\n';
            for (const auto& wait : step.waits) {
                out << "      waits for " << describe(wait) << '\n';
                if (wait.reason == WaitReason::server_name) server_names.insert(wait.detail);
            }
        }
        for (const auto& name : server_names) {
            out << "  server-assigned " << name
                << ": mapped to the replay's name when its reply arrives\n";
        }
    }
}

}  // namespace amqpprox::replay
