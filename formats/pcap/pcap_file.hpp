// Reads pcap and pcapng files through libpcap, from a path or from stdin ("-"), gzip-
// compressed or not: one packet at a time, with nanosecond timestamps. Errors as values that
// say whether the file could not be opened, is not a capture, or is cut short.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "formats/amqp/bytes.hpp"

struct pcap;  // pcap_t, from <pcap/pcap.h>

namespace amqpprox::pcap {

enum class FileErrc : std::uint8_t {
    cannot_open,    // missing, unreadable
    not_a_capture,  // neither pcap nor pcapng (nor gzip of one)
    truncated,      // the file ends inside a header or a packet
    read_error,     // I/O or decompression error, or libpcap refused a block
};

struct FileError {
    FileErrc code{};
    std::string message;  // names the file, e.g. "x.pcap: unknown file format"

    bool operator==(const FileError&) const = default;
};

std::string_view to_string(FileErrc code);

struct CapturedPacket {
    std::int64_t ts_ns = 0;         // POSIX time in nanoseconds
    std::uint32_t link_type = 0;    // as pcap_datalink() names it (LINKTYPE_RAW reads as 12)
    std::uint32_t wire_length = 0;  // the frame's length on the wire (bytes may be fewer)
    amqp::ByteView bytes;           // valid until the next call to next()
};

// How far through the file reading has got (of a regular file; compressed bytes for gzip).
struct ReadProgress {
    std::uint64_t read = 0;
    std::uint64_t total = 0;
};

class PcapFile {
public:
    // "-" reads stdin. A gzip file (magic 1f 8b) is decompressed on the fly.
    static tl::expected<PcapFile, FileError> open(const std::string& path);

    // The next packet, or nullopt at the end of the file.
    tl::expected<std::optional<CapturedPacket>, FileError> next();

    std::uint32_t link_type() const { return m_link_type; }
    // nullopt for stdin and other streams of unknown length.
    std::optional<ReadProgress> progress() const;
    const std::string& name() const { return m_name; }

private:
    struct Close {
        void operator()(::pcap* handle) const;
    };
    PcapFile(std::unique_ptr<::pcap, Close> handle, std::string name, int fd, std::uint64_t size);

    std::unique_ptr<::pcap, Close> m_handle;
    std::string m_name;
    std::uint32_t m_link_type = 0;
    int m_fd = -1;             // owned by the handle's FILE; for progress only
    std::uint64_t m_size = 0;  // 0: not a regular file
};

}  // namespace amqpprox::pcap
