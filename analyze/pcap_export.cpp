#include "pcap_export.hpp"

#include <array>
#include <charconv>
#include <fstream>
#include <map>
#include <ostream>

#include "formats/amqp/constants.hpp"
#include "formats/amqp/frame.hpp"
#include "output_format.hpp"

namespace amqpprox::analyze {
namespace {

using Bytes = amqp::Bytes;

constexpr std::uint32_t kLinkTypeRaw = 101;  // LINKTYPE_RAW: packets start at the IP header
constexpr std::size_t kMaxSegment = 65'000;  // payload per packet: an IPv4 datagram's limit
constexpr std::uint16_t kWindow = 65'535;

struct Address {
    std::array<std::uint8_t, 4> ip{};
    std::uint16_t port = 0;
};

// "10.1.2.3:5672"; anything else (IPv6, empty) gets a stand-in from `fallback`.
Address parse_address(const std::string& text, Address fallback) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return fallback;
    Address a;
    std::size_t at = 0;
    for (int i = 0; i < 4; ++i) {
        const auto end = i < 3 ? text.find('.', at) : colon;
        if (end == std::string::npos || end > colon) return fallback;
        unsigned value = 0;
        auto [p, ec] = std::from_chars(text.data() + at, text.data() + end, value);
        if (ec != std::errc() || p != text.data() + end || value > 255) return fallback;
        a.ip[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value);
        at = end + 1;
    }
    unsigned port = 0;
    auto [p, ec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), port);
    if (ec != std::errc() || port == 0 || port > 65535) return fallback;
    a.port = static_cast<std::uint16_t>(port);
    return a;
}

void put16(Bytes& out, std::uint16_t v) {
    out.push_back(std::byte(v >> 8));
    out.push_back(std::byte(v & 0xff));
}
void put32(Bytes& out, std::uint32_t v) {
    put16(out, static_cast<std::uint16_t>(v >> 16));
    put16(out, static_cast<std::uint16_t>(v));
}
void put32le(std::ostream& out, std::uint32_t v) {
    const char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 24)};
    out.write(b, 4);
}

std::uint32_t sum16(const Bytes& data, std::size_t from, std::size_t to, std::uint32_t sum = 0) {
    for (std::size_t i = from; i + 1 < to; i += 2)
        sum += std::to_integer<std::uint32_t>(data[i]) << 8 |
               std::to_integer<std::uint32_t>(data[i + 1]);
    if ((to - from) % 2 == 1) sum += std::to_integer<std::uint32_t>(data[to - 1]) << 8;
    return sum;
}
std::uint16_t fold(std::uint32_t sum) {
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kPsh = 0x08, kAck = 0x10;

// One session's TCP connection: sequence numbers per direction, and packet writing.
class Connection {
public:
    Connection(Address client, Address server) : m_ends{client, server} {}

    void packet(std::ostream& file, std::int64_t ts_ns, bool from_client, std::uint8_t flags,
                amqp::ByteView payload) {
        const auto& src = m_ends[from_client ? 0 : 1];
        const auto& dst = m_ends[from_client ? 1 : 0];
        auto& seq = m_next[from_client ? 0 : 1];
        const auto ack = m_next[from_client ? 1 : 0];
        Bytes p;
        p.reserve(40 + payload.size());
        // IPv4 header.
        p.push_back(std::byte{0x45});
        p.push_back(std::byte{0});
        put16(p, static_cast<std::uint16_t>(40 + payload.size()));
        put16(p, m_ip_id++);
        put16(p, 0x4000);  // don't fragment
        p.push_back(std::byte{64});
        p.push_back(std::byte{6});  // TCP
        put16(p, 0);                // checksum, below
        for (auto b : src.ip)
            p.push_back(std::byte{b});
        for (auto b : dst.ip)
            p.push_back(std::byte{b});
        const auto ip_sum = fold(sum16(p, 0, 20));
        p[10] = std::byte(ip_sum >> 8);
        p[11] = std::byte(ip_sum & 0xff);
        // TCP header.
        put16(p, src.port);
        put16(p, dst.port);
        put32(p, seq);
        put32(p, (flags & kSyn) && !(flags & kAck) ? 0 : ack);
        p.push_back(std::byte{0x50});  // 20-byte header
        p.push_back(std::byte{flags});
        put16(p, kWindow);
        put16(p, 0);  // checksum, below
        put16(p, 0);
        p.insert(p.end(), payload.begin(), payload.end());
        // Pseudo-header: addresses, protocol, TCP length.
        std::uint32_t sum = sum16(p, 12, 20);
        sum += 6 + static_cast<std::uint32_t>(p.size() - 20);
        const auto tcp_sum = fold(sum16(p, 20, p.size(), sum));
        p[36] = std::byte(tcp_sum >> 8);
        p[37] = std::byte(tcp_sum & 0xff);

        put32le(file, static_cast<std::uint32_t>(ts_ns / 1'000'000'000));
        put32le(file, static_cast<std::uint32_t>(ts_ns % 1'000'000'000));
        put32le(file, static_cast<std::uint32_t>(p.size()));
        put32le(file, static_cast<std::uint32_t>(p.size()));
        file.write(reinterpret_cast<const char*>(p.data()), static_cast<std::streamsize>(p.size()));
        seq += static_cast<std::uint32_t>(payload.size()) + ((flags & (kSyn | kFin)) ? 1u : 0u);
    }

    void open(std::ostream& file, std::int64_t ts_ns) {
        packet(file, ts_ns, true, kSyn, {});
        packet(file, ts_ns, false, kSyn | kAck, {});
        packet(file, ts_ns, true, kAck, {});
    }

    void data(std::ostream& file, std::int64_t ts_ns, bool from_client, amqp::ByteView bytes) {
        for (std::size_t at = 0; at < bytes.size(); at += kMaxSegment)
            packet(file, ts_ns, from_client, kPsh | kAck,
                   bytes.subspan(at, std::min(kMaxSegment, bytes.size() - at)));
    }

    // Bytes the capture does not have: a hole in the sequence numbers.
    void skip(bool from_client, std::uint64_t bytes) {
        m_next[from_client ? 0 : 1] += static_cast<std::uint32_t>(bytes);
    }

    void close(std::ostream& file, std::int64_t ts_ns) {
        packet(file, ts_ns, true, kFin | kAck, {});
        packet(file, ts_ns, false, kFin | kAck, {});
        packet(file, ts_ns, true, kAck, {});
    }

private:
    std::array<Address, 2> m_ends;                                  // client, server
    std::array<std::uint32_t, 2> m_next{0x1000'0000, 0x2000'0000};  // next sequence numbers
    std::uint16_t m_ip_id = 1;
};

}  // namespace

int export_pcap(const InputSet& inputs, const Selection& selection, const std::string& path,
                std::ostream& out, std::ostream& err) {
    const auto sessions = inputs.selected_sessions(selection);
    if (sessions.empty()) {
        err << "amqp-analyze: no sessions matched\n";
        return kExitNothingMatched;
    }
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    if (!file) {
        err << "amqp-analyze: cannot write " << path << '\n';
        return kExitBadInput;
    }
    // pcap header: nanosecond timestamps, version 2.4, raw IP.
    put32le(file, 0xa1b23c4d);
    file.write("\x02\x00\x04\x00", 4);
    put32le(file, 0);
    put32le(file, 0);
    put32le(file, 262'144);
    put32le(file, kLinkTypeRaw);

    std::map<SessionKey, Connection> connections;
    std::uint32_t stand_ins = 0;
    const auto connection = [&](const SessionInfo& s, std::int64_t ts_ns) -> Connection& {
        auto it = connections.find(s.key);
        if (it != connections.end()) return it->second;
        ++stand_ins;
        const auto n = static_cast<std::uint8_t>(stand_ins & 0xff);
        const auto hi = static_cast<std::uint8_t>((stand_ins >> 8) & 0xff);
        const Address client_stand_in{{10, 1, hi, n},
                                      static_cast<std::uint16_t>(40000 + (stand_ins % 20000))};
        const Address server_stand_in{{10, 2, hi, n}, 5672};
        const auto& row = s.row.start;
        const auto server_text =
            row.backend_address.empty() ? row.proxy_address : row.backend_address;
        Connection c(parse_address(row.client_address, client_stand_in),
                     parse_address(server_text, server_stand_in));
        c.open(file, std::min(ts_ns, s.row.start.start_ns));
        return connections.emplace(s.key, std::move(c)).first->second;
    };

    // Gaps with a direction become holes before the first frame after them.
    auto gaps = inputs.gaps(selection);
    std::size_t next_gap = 0;
    std::uint64_t padded = 0;
    std::uint64_t frames = 0;
    Bytes wire;
    Selection all = selection;
    all.records = {};
    all.records.vhost = selection.records.vhost;
    inputs.for_each(all, [&](const SessionInfo& s, const capture::Record& r) {
        while (next_gap < gaps.size() && gaps[next_gap].gap.ts_ns <= r.ts_ns) {
            const auto& g = gaps[next_gap++];
            if (g.session && g.gap.direction)
                connection(*g.session, g.gap.ts_ns)
                    .skip(*g.gap.direction == capture::Direction::client_to_broker, g.gap.bytes);
        }
        auto& c = connection(s, r.ts_ns);
        wire.clear();
        if (r.type == amqp::FrameType::protocol_header) {
            wire.assign(r.payload.begin(), r.payload.end());
        } else {
            auto payload = r.payload;
            if (r.type == amqp::FrameType::body && payload.size() < r.size) {
                payload.resize(r.size);  // cut by the body policy: zeros keep the framing
                ++padded;
            }
            // A redacted method (Start-Ok, Update-Secret) goes out as stored: whole, shorter.
            amqp::encode_frame(r.type, r.channel, payload, wire);
        }
        c.data(file, r.ts_ns, r.direction == capture::Direction::client_to_broker, wire);
        ++frames;
        return true;
    });
    for (const auto* s : sessions) {
        auto it = connections.find(s->key);
        if (it == connections.end()) continue;
        it->second.close(file, s->row.end_ns.value_or(s->row.start.start_ns));
    }
    file.close();
    if (!file) {
        err << "amqp-analyze: cannot write " << path << '\n';
        return kExitBadInput;
    }
    out << path << ": " << connections.size() << " session(s), " << frames << " frames\n";
    if (padded > 0) {
        err << "amqp-analyze: " << padded
            << " body frame(s) were cut by the capture's body policy: padded with zero bytes\n";
    }
    return kExitOk;
}

}  // namespace amqpprox::analyze
