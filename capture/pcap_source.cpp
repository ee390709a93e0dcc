#include "capture/pcap_source.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <optional>

#include "formats/amqp/frame.hpp"
#include "formats/amqp/protocol_header.hpp"
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
    AmqpSessions(CaptureWriter& writer, const PcapImportOptions& options, PcapImportStats& stats)
        : m_writer(writer), m_options(options), m_stats(stats) {}

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
            m_writer.end_session(c.info.id, close.ts_ns);
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
        m_writer.start_session({.id = c.info.id,
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
        d.splitter->feed(bytes);
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
            m_writer.record_frame(c.info.id, direction(c, side), f.type, f.channel, f.payload,
                                  ts_ns);
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
        m_writer.record_gap({.session = c.info.id,
                             .ts_ns = ts_ns,
                             .direction = direction(c, side),
                             .frames = 0,
                             .bytes = bytes,
                             .reason = GapReason::missing_bytes});
    }

    CaptureWriter& m_writer;
    const PcapImportOptions& m_options;
    PcapImportStats& m_stats;
    std::map<pcap::ConnectionId, Connection> m_connections;
};

}  // namespace

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
    auto file = pcap::PcapFile::open(path);
    if (!file) return tl::unexpected(file.error().message);
    PcapImportStats stats;
    AmqpSessions sessions(writer, options, stats);
    pcap::TcpReassembler reassembler(sessions);
    pcap::PacketDecoder decoder;
    std::int64_t last_ts_ns = 0;
    while (true) {
        auto packet = file->next();
        if (!packet) {
            stats.file_error = packet.error().message;
            break;
        }
        if (!*packet) break;
        ++stats.packets;
        last_ts_ns = (*packet)->ts_ns;
        if (options.progress && stats.packets % 4096 == 0) {
            if (const auto at = file->progress()) options.progress(at->read, at->total);
        }
        auto decoded = decoder.decode((*packet)->ts_ns, (*packet)->link_type, (*packet)->bytes);
        if (!decoded) {
            ++stats.bad_packets;
            continue;
        }
        if (decoded->kind == pcap::PacketKind::tcp)
            reassembler.add((*packet)->ts_ns, decoded->src, decoded->dst, decoded->tcp);
    }
    reassembler.finish(last_ts_ns);
    return stats;
}

tl::expected<PcapImportStats, std::string> import_pcap_file(const std::string& path,
                                                            const std::string& capture_path,
                                                            const PcapImportOptions& options) {
    WriterOptions writer_options;
    writer_options.overflow = OverflowPolicy::block;
    writer_options.source = path;
    CaptureWriter writer(capture_path, writer_options);
    auto stats = import_pcap(path, writer, options);
    writer.close();
    return stats;
}

}  // namespace amqpprox::capture
