#include "mapped_pcap.hpp"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace amqpprox::pcap {
namespace {

constexpr std::uint64_t kFileHeader = 24;
constexpr std::uint64_t kRecordHeader = 16;
constexpr std::uint64_t kReleaseStep = std::uint64_t{16} << 20;

std::uint32_t swap32(std::uint32_t v) {
    return __builtin_bswap32(v);
}

// libpcap's view of the file header: its link type as pcap_datalink() names it (LINKTYPE_RAW
// is DLT_RAW, ...) and its snapshot length after its own corrections.
struct HeaderFacts {
    std::uint32_t link_type = 0;
    std::uint32_t snapshot = 0;
};

tl::expected<HeaderFacts, std::string> libpcap_header(const std::string& path) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    ::pcap* handle =
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (handle == nullptr) return tl::unexpected(std::string(errbuf));
    HeaderFacts facts{static_cast<std::uint32_t>(pcap_datalink(handle)),
                      static_cast<std::uint32_t>(pcap_snapshot(handle))};
    pcap_close(handle);
    return facts;
}

struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
};

}  // namespace

MappedPcap::MappedPcap(MappedPcap&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)),
      m_size(std::exchange(other.m_size, 0)),
      m_offset(other.m_offset),
      m_window(other.m_window),
      m_link_type(other.m_link_type),
      m_snapshot(other.m_snapshot),
      m_swapped(other.m_swapped),
      m_nanoseconds(other.m_nanoseconds) {}

MappedPcap::~MappedPcap() {
    if (m_data != nullptr) ::munmap(const_cast<std::byte*>(m_data), m_size);
}

std::uint32_t MappedPcap::u32(std::uint64_t offset) const {
    std::uint32_t v = 0;
    std::memcpy(&v, m_data + offset, sizeof v);
    return m_swapped ? swap32(v) : v;
}

std::int64_t MappedPcap::ts_ns(std::uint64_t offset) const {
    const auto frac = u32(offset + 4);
    return std::int64_t{u32(offset)} * 1'000'000'000 +
           (m_nanoseconds ? std::int64_t{frac} : std::int64_t{frac} * 1000);
}

void MappedPcap::populate_ahead(Window& window, std::uint64_t offset) const {
    constexpr std::uint64_t kAhead = std::uint64_t{8} << 20;
    // A packet is at most a snapshot length (well under this) beyond its header.
    if (offset + kAhead / 2 < window.populated || window.populated >= m_size) return;
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const auto from = std::max(window.populated, offset / page * page);
    const auto until = std::min(m_size, from + kAhead);
#ifdef MADV_POPULATE_READ
    ::madvise(const_cast<std::byte*>(m_data) + from, until - from, MADV_POPULATE_READ);
#endif
    window.populated = until;
}

void MappedPcap::release_behind(Window& window, std::uint64_t offset) const {
    if (offset < window.released + kReleaseStep) return;
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const auto until = offset / page * page;
    ::madvise(const_cast<std::byte*>(m_data) + window.released, until - window.released,
              MADV_DONTNEED);
    window.released = until;
}

tl::expected<MappedPcap, std::string> MappedPcap::open(const std::string& path) {
    if (path == "-") return tl::unexpected(std::string("standard input cannot be mapped"));
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return tl::unexpected(path + ": " + std::strerror(errno));
    const FdCloser closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        static_cast<std::uint64_t>(st.st_size) < kFileHeader) {
        return tl::unexpected(path + ": not a regular file with a pcap header");
    }
    MappedPcap file;
    file.m_size = static_cast<std::uint64_t>(st.st_size);
    void* data = ::mmap(nullptr, file.m_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
        file.m_size = 0;
        return tl::unexpected(path + ": mmap: " + std::strerror(errno));
    }
    ::madvise(data, file.m_size, MADV_SEQUENTIAL);
    file.m_data = static_cast<const std::byte*>(data);

    std::uint32_t magic = 0;
    std::memcpy(&magic, file.m_data, sizeof magic);
    switch (magic) {
        case 0xa1b2c3d4:
            break;
        case 0xa1b23c4d:
            file.m_nanoseconds = true;
            break;
        case 0xd4c3b2a1:
            file.m_swapped = true;
            break;
        case 0x4d3cb2a1:
            file.m_swapped = file.m_nanoseconds = true;
            break;
        default:
            return tl::unexpected(path + ": not a classic pcap file");
    }
    std::uint16_t version[2] = {};
    std::memcpy(version, file.m_data + 4, sizeof version);
    if (file.m_swapped) {
        version[0] = __builtin_bswap16(version[0]);
        version[1] = __builtin_bswap16(version[1]);
    }
    if (version[0] != 2 || version[1] != 4) return tl::unexpected(path + ": not pcap 2.4");
    auto facts = libpcap_header(path);
    if (!facts) return tl::unexpected(facts.error());
    file.m_link_type = facts->link_type;

    file.m_snapshot = facts->snapshot;
    file.m_offset = kFileHeader;
    return file;
}

tl::expected<void, std::string> MappedPcap::check() const {
    Window window;
    std::uint64_t at = kFileHeader;
    std::int64_t last_ts = INT64_MIN;
    while (at < m_size) {
        populate_ahead(window, at);
        // One header per packet is all the walk reads, each on a line not yet in the cache:
        // asking for the lines ahead turns a miss per packet into a stream (a prefetch is a
        // hint, harmless past the end).
        __builtin_prefetch(m_data + at + 2048);
        __builtin_prefetch(m_data + at + 4096);
        if (m_size - at < kRecordHeader) return tl::unexpected(std::string("truncated"));
        const auto caplen = u32(at + 8);
        if (caplen > m_snapshot) return tl::unexpected(std::string("a packet beyond snaplen"));
        if (m_size - at - kRecordHeader < caplen) return tl::unexpected(std::string("truncated"));
        const auto ts = ts_ns(at);
        if (ts < last_ts) return tl::unexpected(std::string("timestamps go back"));
        last_ts = ts;
        at += kRecordHeader + caplen;
        release_behind(window, at);
    }
    return {};
}

std::optional<CapturedPacket> MappedPcap::next() {
    if (m_offset >= m_size || m_size - m_offset < kRecordHeader) return std::nullopt;
    populate_ahead(m_window, m_offset);
    // As in check(): the lines ahead are asked for before the packets there are decoded.
    __builtin_prefetch(m_data + m_offset + 2048);
    __builtin_prefetch(m_data + m_offset + 4096);
    const auto caplen = u32(m_offset + 8);
    if (caplen > m_snapshot || m_size - m_offset - kRecordHeader < caplen) return std::nullopt;
    CapturedPacket packet;
    packet.ts_ns = ts_ns(m_offset);
    packet.link_type = m_link_type;
    packet.wire_length = u32(m_offset + 12);
    packet.bytes = amqp::ByteView(m_data + m_offset + kRecordHeader, caplen);
    m_offset += kRecordHeader + caplen;
    release_behind(m_window, m_offset);
    return packet;
}

}  // namespace amqpprox::pcap
