// AMQP sessions from a packet capture (pcap, pcapng, gzip'd or not): each TCP connection
// that carries AMQP becomes a session, its frames records with the packets' timestamps, and
// bytes the capture lacks become gaps, written through a CaptureWriter like the proxy's.
//
// A connection is AMQP when one side opens with the protocol header (that side is the
// client), or when either end is on an AMQP port: then the client is the side talking to the
// port, and frames are found by resynchronisation, which accepts a position only where
// several consecutive frames parse with their frame-end octets (also after a gap). TLS
// streams are recognised and counted, not decoded.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "capture/writer.hpp"

namespace amqpprox::capture {

struct PcapImportOptions {
    std::vector<std::uint16_t> ports{5672, 5671};  // AMQP without a protocol header seen
    // Called every few thousand packets with the bytes of the file read so far and its size
    // (regular files only: not for stdin).
    std::function<void(std::uint64_t read, std::uint64_t total)> progress;
};

struct PcapImportStats {
    std::uint64_t packets = 0;
    std::uint64_t bad_packets = 0;      // link, IP or TCP headers that do not parse
    std::uint64_t cut_packets = 0;      // cut by the snap length inside the TCP payload
    std::uint64_t connections = 0;      // TCP connections seen
    std::uint64_t sessions = 0;         // of those, AMQP: written as sessions
    std::uint64_t tls_connections = 0;  // on an AMQP port or opening like AMQP, but encrypted
    std::uint64_t frames = 0;
    std::uint64_t gaps = 0;  // missing or undecodable stretches, as gap rows
    std::uint64_t gap_bytes = 0;
    std::string file_error;  // the file ended early or could not be read to its end
};

// Where the sessions found in packets go, in the order they are found. A frame carries the
// timestamp of the packet that completed it and a gap that of where the bytes went missing,
// so consecutive calls are not always in time order (a capture's time order sorts them).
class PcapSessionSink {
public:
    virtual ~PcapSessionSink() = default;
    virtual void start_session(const SessionStart& start) = 0;
    // `payload` is valid during the call only.
    virtual void frame(SessionId session, Direction direction, amqp::FrameType type,
                       std::uint16_t channel, amqp::ByteView payload, std::int64_t ts_ns) = 0;
    virtual void gap(const Gap& gap) = 0;
    virtual void end_session(SessionId session, std::int64_t ts_ns) = 0;
};

// Packets in, AMQP sessions out to a sink: link and IP decoding, TCP reassembly, AMQP
// detection and framing. For callers that read packets their own way.
class PcapSessions {
public:
    PcapSessions(PcapSessionSink& sink, const PcapImportOptions& options);
    ~PcapSessions();
    PcapSessions(const PcapSessions&) = delete;
    PcapSessions& operator=(const PcapSessions&) = delete;

    // One packet, in capture order; `link_type` as pcap_datalink() names it.
    void add(std::int64_t ts_ns, std::uint32_t link_type, amqp::ByteView bytes);
    // The end of the packets: what is still open is closed (and its missing bytes reported).
    void finish(std::int64_t ts_ns);

    // The earliest timestamp of bytes held back (out of order, or not yet known to be AMQP):
    // what comes out later may carry it, even after events with later timestamps. Walks every
    // open connection: call it now and then, not per packet.
    std::optional<std::int64_t> earliest_held_ts() const;
    std::size_t open_connections() const;

    const PcapImportStats& stats() const;
    PcapImportStats& stats();

private:
    struct Parts;
    std::unique_ptr<Parts> m_parts;
};

// Reads `path` ("-": stdin) through libpcap into `sink`. An error only when the file cannot
// be read at all; a file cut short gives what it holds, with `file_error` set.
tl::expected<PcapImportStats, std::string> read_pcap_sessions(
    const std::string& path, PcapSessionSink& sink, const PcapImportOptions& options = {});

// For a reader that prints in time order as it goes: a classic pcap file that is whole and
// whose timestamps never go back (pcap::MappedPcap checks that before anything is read) goes
// into `sink` without copies of its packets, and `settled(ts)` is called now and then: every
// frame and gap still to come has a timestamp of at least `ts`. An error (why) when the file
// is not such a file; nothing has reached the sink then, so the caller can read it otherwise.
tl::expected<PcapImportStats, std::string> stream_pcap_sessions(
    const std::string& path, PcapSessionSink& sink, const PcapImportOptions& options,
    const std::function<void(std::int64_t ts_ns)>& settled);

// Reads `path` ("-": stdin) and writes its AMQP sessions into `writer`. An error only when
// the file cannot be read at all; a file cut short still gives what it holds, with
// `file_error` set.
tl::expected<PcapImportStats, std::string> import_pcap(const std::string& path,
                                                       CaptureWriter& writer,
                                                       const PcapImportOptions& options = {});

// import_pcap into a new capture file at `capture_path` (its writer blocks rather than drop
// frames: a file can wait). Written in bulk under `capture_path` + ".partial", renamed when
// done: a killed import leaves no file that passes for a capture. Also an error when the
// capture could not be written to its end (removed then). Throws SqliteError when the
// capture cannot be created.
tl::expected<PcapImportStats, std::string> import_pcap_file(const std::string& path,
                                                            const std::string& capture_path,
                                                            const PcapImportOptions& options = {});

// Whether the file starts like a pcap, a pcapng or a gzip file (what import_pcap reads).
bool looks_like_packet_capture(const std::string& path);

}  // namespace amqpprox::capture
