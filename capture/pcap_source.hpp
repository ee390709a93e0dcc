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
    std::uint64_t connections = 0;      // TCP connections seen
    std::uint64_t sessions = 0;         // of those, AMQP: written as sessions
    std::uint64_t tls_connections = 0;  // on an AMQP port or opening like AMQP, but encrypted
    std::uint64_t frames = 0;
    std::uint64_t gaps = 0;  // missing or undecodable stretches, as gap rows
    std::uint64_t gap_bytes = 0;
    std::string file_error;  // the file ended early or could not be read to its end
};

// Reads `path` ("-": stdin) and writes its AMQP sessions into `writer`. An error only when
// the file cannot be read at all; a file cut short still gives what it holds, with
// `file_error` set.
tl::expected<PcapImportStats, std::string> import_pcap(const std::string& path,
                                                       CaptureWriter& writer,
                                                       const PcapImportOptions& options = {});

// import_pcap into a new capture file at `capture_path` (its writer blocks rather than drop
// frames: a file can wait). Throws SqliteError when the capture cannot be created.
tl::expected<PcapImportStats, std::string> import_pcap_file(const std::string& path,
                                                            const std::string& capture_path,
                                                            const PcapImportOptions& options = {});

// Whether the file starts like a pcap, a pcapng or a gzip file (what import_pcap reads).
bool looks_like_packet_capture(const std::string& path);

}  // namespace amqpprox::capture
