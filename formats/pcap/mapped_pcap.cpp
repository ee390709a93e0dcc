#include "mapped_pcap.hpp"

#include <cstring>
#include <utility>

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace amqpprox::pcap {
namespace {

constexpr std::uint64_t kFileHeader = 24;
constexpr std::uint64_t kRecordHeader = 16;
constexpr std::uint64_t kReleaseStep = std::uint64_t{64} << 20;

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

}  // namespace

MappedPcap::MappedPcap(MappedPcap&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)),
      m_size(std::exchange(other.m_size, 0)),
      m_offset(other.m_offset),
      m_released(other.m_released),
      m_packets(other.m_packets),
      m_link_type(other.m_link_type),
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

void MappedPcap::release_behind(std::uint64_t offset) {
    if (offset < m_released + kReleaseStep) return;
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const auto until = offset / page * page;
    ::madvise(const_cast<std::byte*>(m_data) + m_released, until - m_released, MADV_DONTNEED);
    m_released = until;
}

tl::expected<MappedPcap, std::string> MappedPcap::open(const std::string& path) {
    if (path == "-") return tl::unexpected(std::string("standard input cannot be mapped"));
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return tl::unexpected(path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        static_cast<std::uint64_t>(st.st_size) < kFileHeader) {
        ::close(fd);
        return tl::unexpected(path + ": not a regular file with a pcap header");
    }
    MappedPcap file;
    file.m_size = static_cast<std::uint64_t>(st.st_size);
    void* data = ::mmap(nullptr, file.m_size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
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

    // The check: every record whole and within the snapshot length (libpcap would cut or
    // refuse one that is not), and time never going back.
    std::uint64_t at = kFileHeader;
    std::int64_t last_ts = INT64_MIN;
    while (at < file.m_size) {
        if (file.m_size - at < kRecordHeader) return tl::unexpected(path + ": truncated");
        const auto caplen = file.u32(at + 8);
        if (caplen > facts->snapshot) return tl::unexpected(path + ": a packet beyond snaplen");
        if (file.m_size - at - kRecordHeader < caplen) return tl::unexpected(path + ": truncated");
        const auto sec = file.u32(at);
        const auto frac = file.u32(at + 4);
        const std::int64_t ts =
            std::int64_t{sec} * 1'000'000'000 +
            (file.m_nanoseconds ? std::int64_t{frac} : std::int64_t{frac} * 1000);
        if (ts < last_ts) return tl::unexpected(path + ": timestamps go back");
        last_ts = ts;
        at += kRecordHeader + caplen;
        ++file.m_packets;
        file.release_behind(at);
    }
    file.release_behind(file.m_size);
    file.m_released = 0;
    file.m_offset = kFileHeader;
    return file;
}

std::optional<CapturedPacket> MappedPcap::next() {
    if (m_offset >= m_size) return std::nullopt;
    const auto sec = u32(m_offset);
    const auto frac = u32(m_offset + 4);
    const auto caplen = u32(m_offset + 8);
    CapturedPacket packet;
    packet.ts_ns = std::int64_t{sec} * 1'000'000'000 +
                   (m_nanoseconds ? std::int64_t{frac} : std::int64_t{frac} * 1000);
    packet.link_type = m_link_type;
    packet.wire_length = u32(m_offset + 12);
    packet.bytes = amqp::ByteView(m_data + m_offset + kRecordHeader, caplen);
    m_offset += kRecordHeader + caplen;
    release_behind(m_offset);
    return packet;
}

}  // namespace amqpprox::pcap
