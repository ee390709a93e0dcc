#include "pcap_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

namespace amqpprox::pcap {

namespace {

constexpr unsigned kGzipBuffer = 256u << 10;

// fopencookie callbacks that let libpcap fread a gzip stream.
ssize_t gz_cookie_read(void* cookie, char* buffer, std::size_t size) {
    const auto chunk = static_cast<unsigned>(std::min<std::size_t>(size, 1u << 30));
    const int n = gzread(static_cast<gzFile>(cookie), buffer, chunk);
    return n;  // -1 on error: fread then reports an error, libpcap a read failure
}

int gz_cookie_close(void* cookie) {
    return gzclose(static_cast<gzFile>(cookie)) == Z_OK ? 0 : -1;
}

FILE* open_gzip(int fd) {
    gzFile gz = gzdopen(fd, "rb");
    if (gz == nullptr) return nullptr;
    gzbuffer(gz, kGzipBuffer);
    cookie_io_functions_t functions{};
    functions.read = gz_cookie_read;
    functions.close = gz_cookie_close;
    FILE* file = fopencookie(gz, "rb", functions);
    if (file == nullptr) gzclose(gz);
    return file;
}

bool is_gzip(int fd) {
    // Regular files are peeked at; pipes cannot be, so they always go through zlib, which
    // passes data that is not gzip through unchanged.
    struct stat info {};
    if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) return true;
    unsigned char magic[2] = {};
    return pread(fd, magic, sizeof magic, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

FileErrc classify(std::string_view libpcap_message) {
    // libpcap has no error codes for savefiles; its messages are stable across versions.
    if (libpcap_message.find("truncated") != std::string_view::npos) return FileErrc::truncated;
    if (libpcap_message.find("unknown file format") != std::string_view::npos ||
        libpcap_message.find("bad dump file format") != std::string_view::npos) {
        return FileErrc::not_a_capture;
    }
    return FileErrc::read_error;
}

}  // namespace

std::string_view to_string(FileErrc code) {
    switch (code) {
        case FileErrc::cannot_open:
            return "cannot open";
        case FileErrc::not_a_capture:
            return "not a pcap or pcapng file";
        case FileErrc::truncated:
            return "truncated capture file";
        case FileErrc::read_error:
            return "read error";
    }
    return "unknown file error";
}

void PcapFile::Close::operator()(::pcap* handle) const {
    pcap_close(handle);
}

PcapFile::PcapFile(std::unique_ptr<::pcap, Close> handle, std::string name, int fd,
                   std::uint64_t size)
    : m_handle(std::move(handle)),
      m_name(std::move(name)),
      m_link_type(static_cast<std::uint32_t>(pcap_datalink(m_handle.get()))),
      m_fd(fd),
      m_size(size) {}

std::optional<ReadProgress> PcapFile::progress() const {
    if (m_size == 0) return std::nullopt;
    // The descriptor's offset: what the stdio buffer (or zlib, for a gzip file) has taken in.
    const auto at = ::lseek(m_fd, 0, SEEK_CUR);
    if (at < 0) return std::nullopt;
    return ReadProgress{static_cast<std::uint64_t>(at), m_size};
}

tl::expected<PcapFile, FileError> PcapFile::open(const std::string& path) {
    const bool from_stdin = path == "-";
    const std::string name = from_stdin ? "stdin" : path;
    const int fd = from_stdin ? dup(STDIN_FILENO) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return tl::unexpected(FileError{FileErrc::cannot_open, name + ": " + std::strerror(errno)});
    }
    FILE* file = is_gzip(fd) ? open_gzip(fd) : fdopen(fd, "rb");
    if (file == nullptr) {
        const int error = errno;
        close(fd);
        return tl::unexpected(FileError{FileErrc::cannot_open, name + ": " + std::strerror(error)});
    }
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    // On success the handle owns `file`; on failure libpcap leaves it to us.
    ::pcap* handle =
        pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (handle == nullptr) {
        std::fclose(file);
        return tl::unexpected(FileError{classify(errbuf), name + ": " + errbuf});
    }
    struct stat st {};
    const bool regular = !from_stdin && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    return PcapFile(std::unique_ptr<::pcap, Close>(handle), name, fd,
                    regular ? static_cast<std::uint64_t>(st.st_size) : 0);
}

tl::expected<std::optional<CapturedPacket>, FileError> PcapFile::next() {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int status = pcap_next_ex(m_handle.get(), &header, &data);
    if (status == PCAP_ERROR_BREAK) return std::optional<CapturedPacket>{};
    if (status != 1) {
        const std::string message = pcap_geterr(m_handle.get());
        return tl::unexpected(FileError{classify(message), m_name + ": " + message});
    }
    CapturedPacket packet;
    // With nanosecond precision requested, tv_usec holds nanoseconds.
    packet.ts_ns = static_cast<std::int64_t>(header->ts.tv_sec) * 1'000'000'000 +
                   static_cast<std::int64_t>(header->ts.tv_usec);
    packet.link_type = m_link_type;
    packet.wire_length = header->len;
    packet.bytes = amqp::ByteView(reinterpret_cast<const std::byte*>(data), header->caplen);
    return packet;
}

}  // namespace amqpprox::pcap
