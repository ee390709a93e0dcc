#include "follow.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>

#include "formats/amqp/printer.hpp"
#include "formats/text/escape.hpp"
#include "formats/text/json_writer.hpp"
#include "formats/text/time.hpp"
#include "frame_text.hpp"

namespace amqpprox::analyze {
namespace {

std::string_view body_text(const Message& m) {
    return {reinterpret_cast<const char*>(m.body.data()), m.body.size()};
}

// `Basic.Publish exchange="x" routing_key="k"`: the method and what names the message.
std::string method_text(const Message& m) {
    const auto* info = amqp::find_method(m.method);
    std::string out = info ? info->display_name : "?";
    const auto add = [&out](std::string_view name, std::string_view value) {
        out += ' ';
        out += name;
        out += '=';
        text::append_quoted(out, value);
    };
    if (m.reply_code) {
        out += " reply_code=" + std::to_string(*m.reply_code);
        add("reply_text", m.reply_text);
    }
    add("exchange", m.exchange);
    add("routing_key", m.routing_key);
    if (!m.consumer_tag.empty()) add("consumer_tag", m.consumer_tag);
    if (m.delivery_tag) out += " delivery_tag=" + std::to_string(*m.delivery_tag);
    if (m.redelivered) out += " redelivered";
    if (!m.queue.empty() && m.method != amqp::BasicPublish::id) add("queue", m.queue);
    return out;
}

// " [cut: 16 of 300000 bytes kept]": what the capture lacks, if anything.
std::string status_text(const Message& m) {
    switch (m.status) {
        case MessageStatus::complete:
            return {};
        case MessageStatus::cut:
            return " [cut: " + std::to_string(m.body.size()) + " of " +
                   std::to_string(m.body_size) + " body bytes kept]";
        case MessageStatus::interrupted:
            if (!m.has_header) return " [interrupted before its content header]";
            return " [interrupted: " + std::to_string(m.body.size()) + " of " +
                   std::to_string(m.body_size) + " body bytes]";
    }
    return {};
}

class MessageWriter {
public:
    MessageWriter(const FollowOptions& options, std::ostream& out)
        : m_options(options), m_out(out) {}

    // Creates the output directory and its index; an error message on failure.
    std::optional<std::string> open() {
        if (!m_options.output_dir) return std::nullopt;
        std::error_code ec;
        std::filesystem::create_directories(*m_options.output_dir, ec);
        if (ec) return "cannot create " + *m_options.output_dir + ": " + ec.message();
        const auto index = std::filesystem::path(*m_options.output_dir) / "messages.jsonl";
        m_index.open(index, std::ios::binary | std::ios::trunc);
        if (!m_index) return "cannot write " + index.string();
        return std::nullopt;
    }

    // Returns false when the body file could not be written.
    bool write(const Message& m) {
        ++m_count;
        if (m.status != MessageStatus::complete) ++m_incomplete;
        std::string file;
        if (m_options.output_dir) {
            char name[32];
            std::snprintf(name, sizeof name, "%06llu.body",
                          static_cast<unsigned long long>(m_count));
            file = name;
            std::ofstream body(std::filesystem::path(*m_options.output_dir) / file,
                               std::ios::binary | std::ios::trunc);
            body.write(body_text(m).data(), static_cast<std::streamsize>(m.body.size()));
            if (!body) return false;
            std::string line;
            json_line(line, m, file);
            m_index << line << '\n';
            if (!m_index) return false;
        }
        if (m_options.format == OutputFormat::json) {
            std::string line;
            json_line(line, m, file);
            m_out << line << '\n';
        } else {
            text_line(m, file);
        }
        return true;
    }

    std::uint64_t count() const { return m_count; }
    std::uint64_t incomplete() const { return m_incomplete; }

private:
    void text_line(const Message& m, const std::string& file) {
        std::string line = text::format_utc_ns(m.start_ns);
        line += "  ";
        line += m.session->label;
        line += "  ";
        line += arrow(m.direction);
        line += "  ch" + std::to_string(m.channel) + "  " + method_text(m);
        line += "  " + std::to_string(m.body_size) + " bytes";
        if (auto properties = amqp::to_text(m.properties); !properties.empty()) {
            line += "  ";
            line += properties;
        }
        line += status_text(m);
        if (m_options.body_preview > 0 && !m.body.empty()) {
            line += "  |";
            text::append_preview(line, body_text(m), m_options.body_preview);
            line += '|';
        }
        if (!file.empty()) line += "  -> " + file;
        m_out << line << '\n';
    }

    void json_line(std::string& line, const Message& m, const std::string& file) const {
        text::JsonWriter json(line);
        json.begin_object();
        json.key("ts_ns").value(m.start_ns);
        json.key("time").value(text::format_utc_ns(m.start_ns));
        json.key("end_ns").value(m.end_ns);
        json.key("session").value(m.session->label);
        json.key("from").value(capture::to_string(m.direction));
        json.key("channel").value(m.channel);
        const auto* info = amqp::find_method(m.method);
        json.key("method").value(info ? info->name : std::string_view("?"));
        json.key("exchange").value(m.exchange);
        json.key("routing_key").value(m.routing_key);
        if (!m.queue.empty()) json.key("queue").value(m.queue);
        if (!m.consumer_tag.empty()) json.key("consumer_tag").value(m.consumer_tag);
        if (m.delivery_tag) json.key("delivery_tag").value(*m.delivery_tag);
        if (m.redelivered) json.key("redelivered").value(true);
        if (m.method == amqp::BasicPublish::id) json.key("mandatory").value(m.mandatory);
        if (m.reply_code) {
            json.key("reply_code").value(*m.reply_code);
            json.key("reply_text").value(m.reply_text);
        }
        json.key("properties");
        amqp::to_json(json, m.properties);
        json.key("body_size").value(m.body_size);
        json.key("stored").value(static_cast<std::uint64_t>(m.body.size()));
        json.key("status").value(to_string(m.status));
        if (m_options.body_preview > 0) {
            std::string preview;
            text::append_preview(preview, body_text(m), m_options.body_preview);
            json.key("preview").value(preview);
        }
        if (!file.empty()) json.key("file").value(file);
        json.end_object();
    }

    const FollowOptions& m_options;
    std::ostream& m_out;
    std::ofstream m_index;
    std::uint64_t m_count = 0;
    std::uint64_t m_incomplete = 0;
};

}  // namespace

Selection message_read_selection(const Selection& selection) {
    Selection read;
    read.sessions = selection.sessions;
    read.records.vhost = selection.records.vhost;
    return read;
}

bool selects(const Selection& selection, const Message& m) {
    const auto& f = selection.records;
    if (f.channel && m.channel != *f.channel) return false;
    if (!f.methods.empty() &&
        std::find(f.methods.begin(), f.methods.end(), m.method.key()) == f.methods.end())
        return false;
    if (f.exchange && m.exchange != *f.exchange) return false;
    if (f.routing_key && m.routing_key != *f.routing_key) return false;
    if (f.queue && m.queue != *f.queue) return false;
    if (f.from_ns && m.start_ns < *f.from_ns) return false;
    if (f.to_ns && m.start_ns >= *f.to_ns) return false;
    return true;
}

int follow_messages(const InputSet& inputs, const Selection& selection,
                    const FollowOptions& options, std::ostream& out, std::ostream& err) {
    MessageWriter writer(options, out);
    if (auto error = writer.open()) {
        err << "amqp-analyze: " << *error << '\n';
        return kExitBadInput;
    }
    bool write_failed = false;
    MessageAssembler assembler([&](Message&& m) {
        if (!write_failed && selects(selection, m)) write_failed = !writer.write(m);
    });
    std::uint64_t undecodable = 0;
    inputs.for_each(message_read_selection(selection),
                    [&](const SessionInfo& session, const capture::Record& r) {
                        if (!assembler.add(session, r)) ++undecodable;
                        return !write_failed;
                    });
    assembler.finish();
    out.flush();
    if (write_failed) {
        err << "amqp-analyze: cannot write to " << *options.output_dir << '\n';
        return kExitBadInput;
    }
    if (writer.incomplete() > 0) {
        err << "amqp-analyze: " << writer.incomplete() << " of " << writer.count()
            << " message(s) are incomplete in the capture (marked)\n";
    }
    if (assembler.missing_frames() > 0) {
        err << "amqp-analyze: " << assembler.missing_frames()
            << " frame(s) are missing from the capture (gaps); messages in flight are marked "
               "interrupted\n";
    }
    if (undecodable > 0) {
        err << "amqp-analyze: " << undecodable << " frame(s) could not be decoded\n";
        return kExitBadInput;
    }
    if (writer.count() == 0) {
        err << "amqp-analyze: no messages matched\n";
        return kExitNothingMatched;
    }
    return kExitOk;
}

}  // namespace amqpprox::analyze
