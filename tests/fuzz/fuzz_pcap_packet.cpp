// Fuzzes the packet decoder (link layers, IPv4/IPv6, fragments, TCP) and the TCP reassembler.
// Input: one byte choosing the link type, then frames as [u16 big-endian length][bytes].
// Oracle besides "no crash, no sanitizer report": the reassembler's events are well formed
// (every connection opens once before its data, data is never empty, gaps never zero,
// each connection closes once) and its byte accounting adds up.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <map>

#include "formats/pcap/link_layer.hpp"
#include "formats/pcap/packet_decoder.hpp"
#include "formats/pcap/tcp_reassembler.hpp"

using namespace amqpprox;
using namespace amqpprox::pcap;

namespace {

void check(bool condition) {
    if (!condition) std::abort();
}

constexpr std::array<std::uint32_t, 10> kLinkTypes{link_type::ethernet,   link_type::linux_sll,
                                                   link_type::linux_sll2, link_type::null,
                                                   link_type::loop,       link_type::raw,
                                                   link_type::raw_dlt12,  link_type::ipv4,
                                                   link_type::ipv6,       147};

class CheckingSink : public TcpStreamSink {
public:
    void on_open(const ConnectionInfo& c) override {
        check(!m_state.contains(c.id));
        m_state[c.id] = State::open;
    }
    void on_data(ConnectionId id, Side, std::int64_t, amqp::ByteView bytes) override {
        check(m_state.contains(id) && m_state[id] == State::open);
        check(!bytes.empty());
        for (auto b : bytes)
            m_checksum += std::to_integer<unsigned>(b);  // touch every byte
    }
    void on_gap(ConnectionId id, Side, std::int64_t, std::uint64_t bytes) override {
        check(m_state.contains(id) && m_state[id] == State::open);
        check(bytes > 0);
        m_gap_bytes += bytes;
    }
    void on_close(const CloseInfo& c) override {
        check(m_state.contains(c.id) && m_state[c.id] == State::open);
        m_state[c.id] = State::closed;
    }
    bool all_closed() const {
        for (const auto& [id, state] : m_state) {
            if (state != State::closed) return false;
        }
        return true;
    }
    std::uint64_t gap_bytes() const { return m_gap_bytes; }

private:
    enum class State { open, closed };
    std::map<ConnectionId, State> m_state;
    std::uint64_t m_gap_bytes = 0;
    unsigned m_checksum = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const amqp::ByteView input(reinterpret_cast<const std::byte*>(data), size);
    const std::uint32_t type = kLinkTypes[data[0] % kLinkTypes.size()];

    PacketDecoder decoder(
        FragmentLimits{.max_pending_bytes = 4096, .max_pending_datagrams = 8, .timeout_ns = 1000});
    CheckingSink sink;
    // A small buffer bound so the fuzzer reaches the forced-gap path.
    TcpReassembler reassembler(sink, ReassemblyLimits{.max_buffered_bytes = 512});
    std::size_t at = 1;
    std::int64_t ts = 0;
    while (size - at >= 2) {
        const std::size_t length = std::size_t{data[at]} << 8 | data[at + 1];
        at += 2;
        const auto frame = input.subspan(at, std::min(length, size - at));
        at += frame.size();
        ts += 100;
        auto packet = decoder.decode(ts, type, frame);
        if (!packet) {
            check(packet.error().offset <= std::max<std::size_t>(frame.size(), 65535));
            (void)packet.error().message();
            continue;
        }
        if (packet->kind == PacketKind::tcp) {
            reassembler.add(ts, packet->src, packet->dst, packet->tcp);
        }
    }
    reassembler.finish(ts + 1);
    check(reassembler.open_connections() == 0);
    check(sink.all_closed());
    check(sink.gap_bytes() == reassembler.stats().gap_bytes);
    return 0;
}
