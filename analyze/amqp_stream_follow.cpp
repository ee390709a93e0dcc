#include "amqp_stream_follow.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <ostream>
#include <set>

#include "formats/text/escape.hpp"
#include "formats/text/json_writer.hpp"
#include "formats/text/time.hpp"

namespace amqpprox::analyze {
namespace {

bool is_publish(const Message& m) {
    return m.method == amqp::BasicPublish::id;
}
bool is_return(const Message& m) {
    return m.method == amqp::BasicReturn::id;
}
bool is_delivery(const Message& m) {
    return m.method == amqp::BasicDeliver::id || m.method == amqp::BasicGetOk::id;
}
// The request and the reply of the amqp-stream handshake: empty, with somewhere to answer.
bool is_handshake(const Message& m) {
    return m.body_size == 0 && m.properties.reply_to && !m.properties.reply_to->empty();
}

struct Handshake {
    std::string routing_key;
    std::string reply_to;
    bool published = false;  // seen leaving its sender; else seen arriving at its reader
    SessionKey session;
    std::int64_t ts_ns = 0;
};

// Messages of one publisher (session, channel) to one queue.
struct PublisherKey {
    SessionKey session;
    std::uint16_t channel = 0;
    std::string queue;
    auto operator<=>(const PublisherKey&) const = default;
};

// What the first pass learns: the handshakes, and how each default-exchange queue's messages
// appear in the capture.
struct Discovery {
    std::vector<Handshake> handshakes;
    std::set<std::string> delivered_queues;           // the reading side is in the capture
    std::map<PublisherKey, std::uint64_t> published;  // messages per publisher and queue
    std::map<PublisherKey, std::uint64_t> returned;   // of those, returned by the broker

    void add(const Message& m) {
        if (!m.exchange.empty()) return;
        if (is_handshake(m) && !is_return(m)) {
            handshakes.push_back(
                {m.routing_key, *m.properties.reply_to, is_publish(m), m.session->key, m.start_ns});
        }
        const PublisherKey key{m.session->key, m.channel, m.routing_key};
        if (is_publish(m)) ++published[key];
        if (is_return(m)) ++returned[key];
        if (is_delivery(m)) delivered_queues.insert(m.routing_key);
    }
};

struct Side {
    std::optional<SessionKey> client;
    std::optional<SessionKey> server;
};

// Pairs requests with replies: request (C, reply-to X) and reply (X, reply-to Y) make the
// stream X <-> Y opened on control queue C.
std::vector<AmqpStream> pair_streams(const Discovery& d, const InputSet& inputs,
                                     std::vector<Side>& sides) {
    std::multimap<std::string, const Handshake*> by_queue;
    for (const auto& h : d.handshakes)
        by_queue.emplace(h.routing_key, &h);
    std::vector<AmqpStream> streams;
    std::map<std::pair<std::string, std::string>, std::size_t> index;
    for (const auto& request : d.handshakes) {
        auto [first, last] = by_queue.equal_range(request.reply_to);
        for (auto it = first; it != last; ++it) {
            const Handshake& reply = *it->second;
            auto [at, added] =
                index.try_emplace({request.reply_to, reply.reply_to}, streams.size());
            if (added) {
                AmqpStream s;
                s.control_queue = request.routing_key;
                s.opened_ns = request.ts_ns;
                s.client_to_server.queue = reply.reply_to;
                s.server_to_client.queue = request.reply_to;
                streams.push_back(std::move(s));
                sides.emplace_back();
            }
            auto& side = sides[at->second];
            // A request leaves the client and reaches the server; a reply the other way.
            (request.published ? side.client : side.server) = request.session;
            (reply.published ? side.server : side.client) = reply.session;
        }
    }
    for (std::size_t i = 0; i < streams.size(); ++i) {
        streams[i].number = static_cast<std::uint32_t>(i + 1);
        if (sides[i].client) streams[i].client_session = inputs.find(*sides[i].client)->label;
        if (sides[i].server) streams[i].server_session = inputs.find(*sides[i].server)->label;
    }
    return streams;
}

// The second pass: each direction's data messages, in order, into its file.
class StreamWriter {
public:
    StreamWriter(std::vector<AmqpStream>& streams, const Discovery& discovery)
        : m_streams(streams), m_discovery(discovery) {
        for (auto& s : streams) {
            for (auto* d : {&s.client_to_server, &s.server_to_client}) {
                d->from_deliveries = discovery.delivered_queues.contains(d->queue);
                m_directions.emplace(d->queue, d);
            }
        }
    }

    std::optional<std::string> open(const std::string& dir) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec) return "cannot create " + dir + ": " + ec.message();
        for (auto& s : m_streams) {
            const auto prefix = "stream-" + std::to_string(s.number);
            for (auto [d, suffix] : {std::pair{&s.client_to_server, ".client-to-server"},
                                     std::pair{&s.server_to_client, ".server-to-client"}}) {
                d->file = (std::filesystem::path(dir) / (prefix + suffix)).string();
                auto file =
                    std::make_unique<std::ofstream>(d->file, std::ios::binary | std::ios::trunc);
                if (!*file) return "cannot write " + d->file;
                m_files.emplace(d, std::move(file));
            }
        }
        return std::nullopt;
    }

    // False when a file could not be written.
    bool add(const Message& m) {
        if (!m.exchange.empty()) return true;
        auto found = m_directions.find(m.routing_key);
        if (found == m_directions.end()) return true;
        StreamDirection& d = *found->second;
        if (is_handshake(m)) return true;
        if (is_return(m)) {
            if (m.body_size == 0) {
                d.end_returned = true;
            } else {
                ++d.returned_messages;
                d.returned_bytes += m.body_size;
            }
            return true;
        }
        if (d.from_deliveries ? !is_delivery(m) : !is_publish(m)) return true;
        // A returned end of stream still ends the direction; returned data never arrived.
        const bool returned = !d.from_deliveries && was_returned(m);
        if (d.ended) {
            ++d.after_end;
            return true;
        }
        if (m.body_size == 0) {
            d.ended = true;
            return true;
        }
        if (returned) return true;
        ++d.messages;
        d.bytes += m.body.size();
        if (m.status != MessageStatus::complete) ++d.incomplete_messages;
        if (auto file = m_files.find(&d); file != m_files.end()) {
            file->second->write(reinterpret_cast<const char*>(m.body.data()),
                                static_cast<std::streamsize>(m.body.size()));
            return static_cast<bool>(*file->second);
        }
        return true;
    }

    bool close() {
        bool ok = true;
        for (auto& [d, file] : m_files) {
            file->close();
            ok = ok && !file->fail();
        }
        return ok;
    }

private:
    // The broker returns a publisher's messages to a queue once that queue is gone, and it
    // never comes back (server-named, auto-delete): the returned ones are the last ones.
    bool was_returned(const Message& m) {
        const PublisherKey key{m.session->key, m.channel, m.routing_key};
        const auto returned = m_discovery.returned.find(key);
        if (returned == m_discovery.returned.end()) return false;
        const auto index = m_seen[key]++;
        return index >= m_discovery.published.at(key) - returned->second;
    }

    std::vector<AmqpStream>& m_streams;
    const Discovery& m_discovery;
    std::map<std::string, StreamDirection*> m_directions;  // by queue
    std::map<const StreamDirection*, std::unique_ptr<std::ofstream>> m_files;
    std::map<PublisherKey, std::uint64_t> m_seen;
};

std::string direction_text(const StreamDirection& d) {
    std::string out = std::to_string(d.bytes) + " bytes in " + std::to_string(d.messages) +
                      (d.messages == 1 ? " message" : " messages");
    out += d.ended ? ", ended" : ", not ended in the capture";
    if (d.end_returned) out += " (its end-of-stream came back 312 NO_ROUTE: the peer had gone)";
    if (d.returned_messages > 0) {
        out += ", " + std::to_string(d.returned_bytes) + " bytes in " +
               std::to_string(d.returned_messages) +
               " message(s) returned by the broker (never delivered)";
    }
    if (d.incomplete_messages > 0)
        out +=
            ", " + std::to_string(d.incomplete_messages) + " message(s) incomplete in the capture";
    if (d.after_end > 0)
        out += ", " + std::to_string(d.after_end) + " message(s) after end of stream ignored";
    out += d.from_deliveries ? " [from deliveries]" : " [from publishes]";
    if (!d.file.empty()) out += " -> " + d.file;
    return out;
}

void print_text(const AmqpStream& s, std::ostream& out) {
    std::string line = "stream " + std::to_string(s.number) + "  " +
                       text::format_utc_ns(s.opened_ns) + "  control queue ";
    text::append_quoted(line, s.control_queue);
    line +=
        "\n  client: session " + (s.client_session.empty() ? "-" : s.client_session) + ", queue ";
    text::append_quoted(line, s.server_to_client.queue);
    line +=
        "\n  server: session " + (s.server_session.empty() ? "-" : s.server_session) + ", queue ";
    text::append_quoted(line, s.client_to_server.queue);
    line += "\n  client -> server: " + direction_text(s.client_to_server);
    line += "\n  server -> client: " + direction_text(s.server_to_client);
    out << line << '\n';
}

void json_direction(text::JsonWriter& json, const StreamDirection& d) {
    json.begin_object();
    json.key("queue").value(d.queue);
    json.key("source").value(d.from_deliveries ? "deliveries" : "publishes");
    json.key("messages").value(d.messages);
    json.key("bytes").value(d.bytes);
    json.key("ended").value(d.ended);
    json.key("end_returned").value(d.end_returned);
    json.key("returned_messages").value(d.returned_messages);
    json.key("returned_bytes").value(d.returned_bytes);
    json.key("incomplete_messages").value(d.incomplete_messages);
    json.key("after_end").value(d.after_end);
    if (!d.file.empty()) json.key("file").value(d.file);
    json.end_object();
}

void print_json(const AmqpStream& s, std::ostream& out) {
    std::string line;
    text::JsonWriter json(line);
    json.begin_object();
    json.key("stream").value(s.number);
    json.key("ts_ns").value(s.opened_ns);
    json.key("time").value(text::format_utc_ns(s.opened_ns));
    json.key("control_queue").value(s.control_queue);
    json.key("client_session").value(s.client_session);
    json.key("server_session").value(s.server_session);
    json.key("exact").value(s.exact());
    json.key("client_to_server");
    json_direction(json, s.client_to_server);
    json.key("server_to_client");
    json_direction(json, s.server_to_client);
    json.end_object();
    out << line << '\n';
}

bool lost_frames(const std::optional<SessionKey>& session,
                 const std::map<SessionKey, std::uint64_t>& missing) {
    return session && missing.contains(*session);
}

}  // namespace

bool AmqpStream::exact() const {
    return !frames_missing && client_to_server.incomplete_messages == 0 &&
           server_to_client.incomplete_messages == 0;
}

int follow_amqp_streams(const InputSet& inputs, const Selection& selection,
                        const FollowOptions& options, std::ostream& out, std::ostream& err) {
    const auto& f = selection.records;
    if (f.channel || !f.methods.empty() || f.exchange || f.routing_key) {
        err << "amqp-analyze: --amqp-stream selects streams with --session, --vhost, --queue "
               "(a control, client or server queue) and --from/--to only\n";
        return kExitBadInput;
    }
    const auto read = message_read_selection(selection);
    std::uint64_t undecodable = 0;

    Discovery discovery;
    MessageAssembler first([&](Message&& m) { discovery.add(m); });
    inputs.for_each(read, [&](const SessionInfo& session, const capture::Record& r) {
        if (!first.add(session, r)) ++undecodable;
        return true;
    });
    first.finish();

    std::vector<Side> sides;
    auto streams = pair_streams(discovery, inputs, sides);
    // Keep the streams the filters ask for, with their sides.
    std::vector<AmqpStream> kept;
    std::vector<Side> kept_sides;
    for (std::size_t i = 0; i < streams.size(); ++i) {
        const auto& s = streams[i];
        if (f.queue && *f.queue != s.control_queue && *f.queue != s.client_to_server.queue &&
            *f.queue != s.server_to_client.queue)
            continue;
        if (f.from_ns && s.opened_ns < *f.from_ns) continue;
        if (f.to_ns && s.opened_ns >= *f.to_ns) continue;
        kept.push_back(s);
        kept.back().number = static_cast<std::uint32_t>(kept.size());
        kept_sides.push_back(sides[i]);
    }
    if (kept.empty()) {
        err << "amqp-analyze: no amqp-stream connection found (a request to a control queue "
               "answered with an empty message naming the server's queue)\n";
        return undecodable > 0 ? kExitBadInput : kExitNothingMatched;
    }

    StreamWriter writer(kept, discovery);
    if (options.output_dir) {
        if (auto error = writer.open(*options.output_dir)) {
            err << "amqp-analyze: " << *error << '\n';
            return kExitBadInput;
        }
    }
    bool write_failed = false;
    MessageAssembler second([&](Message&& m) {
        if (!write_failed) write_failed = !writer.add(m);
    });
    inputs.for_each(read, [&](const SessionInfo& session, const capture::Record& r) {
        (void)second.add(session, r);  // counted in the first pass
        return !write_failed;
    });
    second.finish();
    if (!writer.close() || write_failed) {
        err << "amqp-analyze: cannot write to " << *options.output_dir << '\n';
        return kExitBadInput;
    }

    int status = kExitOk;
    for (std::size_t i = 0; i < kept.size(); ++i) {
        auto& s = kept[i];
        s.frames_missing = lost_frames(kept_sides[i].client, first.missing_by_session()) ||
                           lost_frames(kept_sides[i].server, first.missing_by_session());
        if (options.format == OutputFormat::json) {
            print_json(s, out);
        } else {
            print_text(s, out);
        }
        if (s.client_to_server.incomplete_messages > 0 ||
            s.server_to_client.incomplete_messages > 0) {
            err << "amqp-analyze: stream " << s.number
                << ": the capture holds some messages only in part (body policy or gap); its "
                   "files are not exact\n";
        }
        if (s.frames_missing) {
            err << "amqp-analyze: stream " << s.number
                << ": frames of its sessions are missing from the capture (gaps); whole "
                   "messages may be lost\n";
        }
        if (!s.exact()) status = kExitBadInput;
    }
    if (undecodable > 0) {
        err << "amqp-analyze: " << undecodable << " frame(s) could not be decoded\n";
        status = kExitBadInput;
    }
    return status;
}

}  // namespace amqpprox::analyze
