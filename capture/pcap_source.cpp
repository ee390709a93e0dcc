#include "capture/pcap_source.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include "capture/sink_relay.hpp"
#include "capture/sqlite.hpp"
#include "formats/amqp/frame.hpp"
#include "formats/amqp/protocol_header.hpp"
#include "formats/pcap/mapped_pcap.hpp"
#include "formats/pcap/packet_decoder.hpp"
#include "formats/pcap/pcap_file.hpp"
#include "formats/pcap/tcp_reassembler.hpp"

namespace amqpprox::capture {
namespace {

using pcap::Side;

// Frames a resynchronisation must parse in a row before it trusts a position.
constexpr int kSyncFrames = 3;
// Bounds what a position may claim, so garbage that happens to end in 0xCE is not a frame.
constexpr std::uint32_t kSyncFrameMax = 1u << 20;
// Bytes held while looking for a position; beyond, the oldest half is given up as a gap.
constexpr std::size_t kSyncWindow = 1u << 20;

Side other(Side side) {
    return side == Side::originator ? Side::responder : Side::originator;
}
int index(Side side) {
    return side == Side::originator ? 0 : 1;
}

// The first position in `data` where kSyncFrames frames parse one after the other (or, at
// the end of the stream, where the frames parse to the very end). nullopt: none yet.
std::optional<std::size_t> find_sync(amqp::ByteView data, bool final) {
    for (std::size_t at = 0; at < data.size(); ++at) {
        std::size_t next = at;
        int frames = 0;
        while (frames < kSyncFrames) {
            auto frame = amqp::parse_frame(data.subspan(next), kSyncFrameMax);
            if (!frame || !*frame) break;
            next += (*frame)->wire_size();
            ++frames;
        }
        if (frames == kSyncFrames || (final && frames > 0 && next == data.size())) return at;
    }
    return std::nullopt;
}

struct HalfStream {
    enum class Mode { detect, frames, resync };
    Mode mode = Mode::detect;
    amqp::Bytes held;  // detect and resync: bytes not yet given to a splitter
    std::optional<amqp::FrameSplitter> splitter;
    std::int64_t held_ts_ns = 0;
};

struct Connection {
    pcap::ConnectionInfo info;
    std::array<HalfStream, 2> sides;
    enum class Kind { unknown, amqp, tls, other } kind = Kind::unknown;
    std::optional<Side> client;
};

class AmqpSessions final : public pcap::TcpStreamSink {
public:
    AmqpSessions(PcapSessionSink& sink, const PcapImportOptions& options, PcapImportStats& stats)
        : m_sink(sink), m_options(options), m_stats(stats) {}

    // Held bytes are given out later with the timestamp they arrived with.
    std::optional<std::int64_t> earliest_held_ts() const {
        std::optional<std::int64_t> earliest;
        for (const auto& [id, c] : m_connections) {
            for (const auto& d : c.sides) {
                if (!d.held.empty() && (!earliest || d.held_ts_ns < *earliest))
                    earliest = d.held_ts_ns;
            }
        }
        return earliest;
    }

    void on_open(const pcap::ConnectionInfo& info) override {
        ++m_stats.connections;
        m_connections[info.id].info = info;
    }

    void on_data(pcap::ConnectionId id, Side side, std::int64_t ts_ns,
                 amqp::ByteView bytes) override {
        auto& c = m_connections[id];
        if (c.kind == Connection::Kind::tls || c.kind == Connection::Kind::other) return;
        auto& d = c.sides[static_cast<std::size_t>(index(side))];
        if (c.kind == Connection::Kind::unknown) {
            if (d.held.empty()) d.held_ts_ns = ts_ns;
            d.held.insert(d.held.end(), bytes.begin(), bytes.end());
            classify(c, side);
            if (c.kind != Connection::Kind::amqp) return;
            // Now known: replay what both sides held, this one last (it is the newest).
            const auto held_other =
                std::move(c.sides[static_cast<std::size_t>(index(other(side)))].held);
            feed(c, other(side), c.sides[static_cast<std::size_t>(index(other(side)))].held_ts_ns,
                 held_other);
            const auto held = std::move(d.held);
            d.held.clear();
            feed(c, side, ts_ns, held);
            return;
        }
        feed(c, side, ts_ns, bytes);
    }

    void on_gap(pcap::ConnectionId id, Side side, std::int64_t ts_ns,
                std::uint64_t bytes) override {
        auto& c = m_connections[id];
        if (c.kind != Connection::Kind::amqp) return;
        auto& d = c.sides[static_cast<std::size_t>(index(side))];
        // Whatever was half-parsed is lost with the missing bytes: look for frames again.
        std::uint64_t lost = bytes;
        if (d.splitter) lost += d.splitter->buffered();
        lost += d.held.size();
        d.splitter.reset();
        d.held.clear();
        d.mode = HalfStream::Mode::resync;
        gap(c, side, ts_ns, lost);
    }

    void on_close(const pcap::CloseInfo& close) override {
        auto it = m_connections.find(close.id);
        if (it == m_connections.end()) return;
        auto& c = it->second;
        if (c.kind == Connection::Kind::amqp) {
            for (const auto side : {Side::originator, Side::responder}) {
                auto& d = c.sides[static_cast<std::size_t>(index(side))];
                if (d.mode == HalfStream::Mode::resync) resync(c, side, close.ts_ns, true);
                std::uint64_t left = d.held.size() + (d.splitter ? d.splitter->buffered() : 0);
                if (left > 0) gap(c, side, close.ts_ns, left);  // a frame cut off at the end
            }
            m_sink.end_session(c.info.id, close.ts_ns);
        }
        m_connections.erase(it);
    }

private:
    bool amqp_port(std::uint16_t port) const {
        return std::find(m_options.ports.begin(), m_options.ports.end(), port) !=
               m_options.ports.end();
    }

    // Decides what the connection is from the bytes held so far, if it can.
    void classify(Connection& c, Side side) {
        const auto& held = c.sides[static_cast<std::size_t>(index(side))].held;
        const auto header = amqp::kProtocolHeader091.bytes;
        const auto n = std::min(held.size(), std::size_t{4});
        if (n > 0 && std::equal(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(n),
                                header.begin())) {
            if (n < 4) return;  // "AM..." so far: wait for more
            start(c, side, true);
            return;
        }
        // A TLS record (handshake, alert, application data) opening the stream.
        if (held.size() >= 3 &&
            (held[0] == std::byte{0x16} || held[0] == std::byte{0x17} ||
             held[0] == std::byte{0x15}) &&
            held[1] == std::byte{0x03} && amqp_port_connection(c)) {
            c.kind = Connection::Kind::tls;
            ++m_stats.tls_connections;
            return;
        }
        if (amqp_port(c.info.responder.port)) {
            start(c, Side::originator, false);
        } else if (amqp_port(c.info.originator.port)) {
            start(c, Side::responder, false);
        } else if (held.size() >= 8) {
            c.kind = Connection::Kind::other;
        }
    }

    bool amqp_port_connection(const Connection& c) const {
        return amqp_port(c.info.responder.port) || amqp_port(c.info.originator.port);
    }

    void start(Connection& c, Side client, bool saw_header) {
        c.kind = Connection::Kind::amqp;
        c.client = client;
        ++m_stats.sessions;
        const auto& client_end = client == Side::originator ? c.info.originator : c.info.responder;
        const auto& server_end = client == Side::originator ? c.info.responder : c.info.originator;
        m_sink.start_session({.id = c.info.id,
                              .start_ns = c.info.ts_ns,
                              .client_address = client_end.to_string(),
                              .backend_address = server_end.to_string()});
        for (const auto side : {Side::originator, Side::responder}) {
            auto& d = c.sides[static_cast<std::size_t>(index(side))];
            if (saw_header && side == client) {
                d.mode = HalfStream::Mode::frames;
                d.splitter.emplace(amqp::FrameSplitter::Start::protocol_header, 0);
            } else if (saw_header && c.info.saw_syn) {
                d.mode = HalfStream::Mode::frames;  // the broker's side from its first byte
                d.splitter.emplace(amqp::FrameSplitter::Start::frames, 0);
            } else {
                d.mode = HalfStream::Mode::resync;
            }
        }
    }

    Direction direction(const Connection& c, Side side) const {
        return side == c.client ? Direction::client_to_broker : Direction::broker_to_client;
    }

    void feed(Connection& c, Side side, std::int64_t ts_ns, amqp::ByteView bytes) {
        if (bytes.empty()) return;
        auto& d = c.sides[static_cast<std::size_t>(index(side))];
        if (d.mode == HalfStream::Mode::resync) {
            if (d.held.empty()) d.held_ts_ns = ts_ns;
            d.held.insert(d.held.end(), bytes.begin(), bytes.end());
            resync(c, side, ts_ns, false);
            return;
        }
        d.splitter->feed_view(bytes);  // drain() reads it to the end while `bytes` is valid
        drain(c, side, ts_ns);
    }

    void drain(Connection& c, Side side, std::int64_t ts_ns) {
        auto& d = c.sides[static_cast<std::size_t>(index(side))];
        while (true) {
            auto frame = d.splitter->next();
            if (!frame) {
                // Not AMQP framing from here on (or a frame the capture damaged): what is
                // buffered goes back to a resynchronisation.
                const auto pending = d.splitter->pending();
                d.held.assign(pending.begin(), pending.end());
                d.held_ts_ns = ts_ns;
                d.splitter.reset();
                d.mode = HalfStream::Mode::resync;
                resync(c, side, ts_ns, false);
                return;
            }
            if (!*frame) return;
            const auto& f = **frame;
            m_sink.frame(c.info.id, direction(c, side), f.type, f.channel, f.payload, ts_ns);
            ++m_stats.frames;
        }
    }

    void resync(Connection& c, Side side, std::int64_t ts_ns, bool final) {
        auto& d = c.sides[static_cast<std::size_t>(index(side))];
        const auto at = find_sync(d.held, final);
        if (!at) {
            if (d.held.size() > kSyncWindow) {
                const auto dropped = d.held.size() / 2;
                gap(c, side, d.held_ts_ns, dropped);
                d.held.erase(d.held.begin(), d.held.begin() + static_cast<std::ptrdiff_t>(dropped));
            }
            return;
        }
        if (*at > 0) gap(c, side, d.held_ts_ns, *at);
        const auto rest = amqp::ByteView(d.held).subspan(*at);
        d.splitter.emplace(amqp::FrameSplitter::Start::frames, 0);
        d.splitter->feed(rest);
        d.held.clear();
        d.mode = HalfStream::Mode::frames;
        drain(c, side, ts_ns);
    }

    void gap(const Connection& c, Side side, std::int64_t ts_ns, std::uint64_t bytes) {
        if (bytes == 0) return;
        ++m_stats.gaps;
        m_stats.gap_bytes += bytes;
        m_sink.gap({.session = c.info.id,
                    .ts_ns = ts_ns,
                    .direction = direction(c, side),
                    .frames = 0,
                    .bytes = bytes,
                    .reason = GapReason::missing_bytes});
    }

    PcapSessionSink& m_sink;
    const PcapImportOptions& m_options;
    PcapImportStats& m_stats;
    std::map<pcap::ConnectionId, Connection> m_connections;
};

// import_pcap's sink: everything into a capture writer.
class WriterSink final : public PcapSessionSink {
public:
    explicit WriterSink(CaptureWriter& writer) : m_writer(writer) {}
    void start_session(const SessionStart& start) override { m_writer.start_session(start); }
    void frame(SessionId session, Direction direction, amqp::FrameType type, std::uint16_t channel,
               amqp::ByteView payload, std::int64_t ts_ns) override {
        m_writer.record_frame(session, direction, type, channel, payload, ts_ns);
    }
    void gap(const Gap& gap) override { m_writer.record_gap(gap); }
    void end_session(SessionId session, std::int64_t ts_ns) override {
        m_writer.end_session(session, ts_ns);
    }

private:
    CaptureWriter& m_writer;
};

}  // namespace

struct PcapSessions::Parts {
    Parts(PcapSessionSink& sink, const PcapImportOptions& options)
        : sessions(sink, options, stats), reassembler(sessions) {}
    PcapImportStats stats;
    AmqpSessions sessions;
    pcap::TcpReassembler reassembler;
    pcap::PacketDecoder decoder;
};

PcapSessions::PcapSessions(PcapSessionSink& sink, const PcapImportOptions& options)
    : m_parts(std::make_unique<Parts>(sink, options)) {}

PcapSessions::~PcapSessions() = default;

void PcapSessions::add(std::int64_t ts_ns, std::uint32_t link_type, amqp::ByteView bytes) {
    auto& p = *m_parts;
    ++p.stats.packets;
    auto decoded = p.decoder.decode(ts_ns, link_type, bytes);
    if (!decoded) {
        ++p.stats.bad_packets;
        return;
    }
    if (decoded->kind == pcap::PacketKind::tcp) {
        if (decoded->tcp.cut != 0) ++p.stats.cut_packets;
        p.reassembler.add(ts_ns, decoded->src, decoded->dst, decoded->tcp);
    }
}

void PcapSessions::finish(std::int64_t ts_ns) {
    m_parts->reassembler.finish(ts_ns);
}

std::optional<std::int64_t> PcapSessions::earliest_held_ts() const {
    auto a = m_parts->reassembler.earliest_pending_ts();
    auto b = m_parts->sessions.earliest_held_ts();
    if (a && b) return std::min(*a, *b);
    return a ? a : b;
}

std::size_t PcapSessions::open_connections() const {
    return m_parts->reassembler.open_connections();
}

const PcapImportStats& PcapSessions::stats() const {
    return m_parts->stats;
}

PcapImportStats& PcapSessions::stats() {
    return m_parts->stats;
}

bool looks_like_packet_capture(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::array<unsigned char, 4> magic{};
    if (!in.read(reinterpret_cast<char*>(magic.data()), magic.size())) return false;
    const std::uint32_t be = std::uint32_t{magic[0]} << 24 | std::uint32_t{magic[1]} << 16 |
                             std::uint32_t{magic[2]} << 8 | magic[3];
    switch (be) {
        case 0xa1b2c3d4:  // pcap, microseconds, either byte order
        case 0xd4c3b2a1:
        case 0xa1b23c4d:  // pcap, nanoseconds
        case 0x4d3cb2a1:
        case 0x0a0d0d0a:  // pcapng section header block
            return true;
        default:
            return magic[0] == 0x1f && magic[1] == 0x8b;  // gzip
    }
}

tl::expected<PcapImportStats, std::string> import_pcap(const std::string& path,
                                                       CaptureWriter& writer,
                                                       const PcapImportOptions& options) {
    WriterSink sink(writer);
    return read_pcap_sessions(path, sink, options);
}

tl::expected<PcapImportStats, std::string> read_pcap_sessions(const std::string& path,
                                                              PcapSessionSink& sink,
                                                              const PcapImportOptions& options) {
    auto file = pcap::PcapFile::open(path);
    if (!file) return tl::unexpected(file.error().message);
    PcapSessions sessions(sink, options);
    std::int64_t last_ts_ns = 0;
    while (true) {
        auto packet = file->next();
        if (!packet) {
            sessions.stats().file_error = packet.error().message;
            break;
        }
        if (!*packet) break;
        last_ts_ns = (*packet)->ts_ns;
        sessions.add((*packet)->ts_ns, (*packet)->link_type, (*packet)->bytes);
        if (options.progress && sessions.stats().packets % 4096 == 0) {
            if (const auto at = file->progress()) options.progress(at->read, at->total);
        }
    }
    sessions.finish(last_ts_ns);
    return sessions.stats();
}

namespace {

// The reading half of stream_pcap_sessions, on its own thread.
PcapImportStats read_mapped(pcap::MappedPcap& file, SinkRelay& relay,
                            const PcapImportOptions& options) {
    PcapSessions sessions(relay, options);
    std::int64_t last_ts_ns = 0;
    // Finding the time that has settled walks the open connections: done every few packets,
    // it lags a little and costs little.
    std::uint64_t countdown = 0;
    while (const auto packet = file.next()) {
        last_ts_ns = packet->ts_ns;
        sessions.add(packet->ts_ns, packet->link_type, packet->bytes);
        if (countdown-- == 0) {
            countdown = 64 + sessions.open_connections();
            // Later packets are no earlier than this one (the file was checked for that).
            auto ts = packet->ts_ns;
            if (const auto held = sessions.earliest_held_ts()) ts = std::min(ts, *held);
            relay.settled(ts);
        }
        if (options.progress && sessions.stats().packets % 4096 == 0)
            options.progress(file.offset(), file.size());
    }
    sessions.finish(last_ts_ns);
    return sessions.stats();
}

}  // namespace

tl::expected<PcapImportStats, std::string> stream_pcap_sessions(
    const std::string& path, PcapSessionSink& sink, const PcapImportOptions& options,
    const std::function<void(std::int64_t ts_ns)>& settled) {
    auto file = pcap::MappedPcap::open(path);
    if (!file) return tl::unexpected(file.error());
    // Two threads: a second one reads and reassembles the packets while this one checks the
    // whole file (nothing may reach the sink before that verdict), then feeds the sink. The
    // reader runs ahead meanwhile by up to 24 batches: it is not the slower of the two, so more
    // would only hold memory.
    SinkRelay relay(24);
    PcapImportStats stats;
    std::exception_ptr failure;
    std::thread reader([&] {
        try {
            stats = read_mapped(*file, relay, options);
        } catch (...) {
            failure = std::current_exception();
        }
        relay.close();
    });
    auto stop = [&] {
        relay.abort();
        reader.join();
    };
    try {
        if (auto checked = file->check(); !checked) {
            stop();
            return tl::unexpected(path + ": " + checked.error());
        }
        relay.replay(sink, settled);
    } catch (...) {
        stop();
        throw;
    }
    reader.join();
    if (failure) std::rethrow_exception(failure);
    return stats;
}

tl::expected<PcapImportStats, std::string> import_pcap_file(const std::string& path,
                                                            const std::string& capture_path,
                                                            const PcapImportOptions& options) {
    // Bulk writing is the fastest, but a file it leaves unfinished may not open: it is written
    // under another name and gets its own when complete.
    if (std::filesystem::exists(capture_path))
        throw SqliteError(capture_path +
                          ": capture file exists (choose another name or remove it)");
    const auto partial = capture_path + ".partial";
    WriterOptions writer_options;
    writer_options.overflow = OverflowPolicy::block;
    writer_options.source = path;
    writer_options.durability = Durability::bulk;
    tl::expected<PcapImportStats, std::string> stats;
    std::string write_error;
    {
        CaptureWriter writer(partial, writer_options);
        try {
            stats = import_pcap(path, writer, options);
        } catch (...) {
            writer.close();
            std::error_code ignored;
            std::filesystem::remove(partial, ignored);
            throw;
        }
        writer.close();
        write_error = writer.stats().error;
    }
    std::error_code ec;
    if (stats && write_error.empty()) std::filesystem::rename(partial, capture_path, ec);
    if (!stats || !write_error.empty() || ec) {
        std::error_code ignored;
        std::filesystem::remove(partial, ignored);
        if (!stats) return stats;
        return tl::unexpected(
            capture_path + ": " +
            (write_error.empty() ? "cannot rename " + partial + ": " + ec.message() : write_error));
    }
    return stats;
}

}  // namespace amqpprox::capture
