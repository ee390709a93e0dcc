#include "spool_file.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "formats/amqp/reader.hpp"
#include "formats/amqp/writer.hpp"
#include "sqlite.hpp"

namespace amqpprox::capture {
namespace {

// Each record: "AQSR", seq (u64), frames (u32), blob length (u32), the blob.
constexpr std::uint32_t kRecordMagic = 0x41515352;
constexpr std::size_t kHeaderBytes = 20;

[[noreturn]] void fail(const std::string& path, const char* what) {
    throw SqliteError(path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

std::string spool_file_name(const std::string& capture_path) {
    return capture_path + "-spool";
}

std::uint64_t read_spooled_through(Database& db) {
    auto through = db.prepare("SELECT value FROM meta WHERE key = 'spooled_through'");
    if (!through.step()) return 0;
    const auto text = through.text(0);
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        throw SqliteError("meta.spooled_through is not a number: '" + text + "'");
    }
    return value;
}

SpoolScan scan_spool_file(const std::string& path, std::uint64_t spooled_through) {
    SpoolScan scan;
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return scan;
        fail(path, "cannot open");
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) fail(path, "cannot read");
    const auto size = static_cast<std::uint64_t>(st.st_size);
    std::uint64_t offset = 0;
    std::byte header[kHeaderBytes];
    while (true) {
        const auto got = ::pread(fd.get(), header, kHeaderBytes, static_cast<off_t>(offset));
        if (got < 0) fail(path, "cannot read");
        if (got == 0) break;
        amqp::Reader r(amqp::ByteView(header, static_cast<std::size_t>(got)));
        const auto magic = r.u32();
        SpoolEntry e;
        e.seq = r.u64();
        e.frames = r.u32();
        e.length = r.u32();
        e.offset = offset + kHeaderBytes;
        if (r.ok() && magic != kRecordMagic) {
            throw SqliteError(path + ": not a capture spool (at offset " + std::to_string(offset) +
                              ")");
        }
        if (!r.ok() || e.offset + e.length > size) {  // cut short: the end of what was written
            scan.cut_bytes = size - offset;
            break;
        }
        scan.last_seq = e.seq;
        if (e.seq > spooled_through) scan.entries.push_back(e);
        offset = e.offset + e.length;
    }
    return scan;
}

SpoolFile::SpoolFile(std::string path, SpoolScan scan)
    : m_path(std::move(path)), m_entries(std::move(scan.entries)) {
    m_fd.reset(::open(m_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!m_fd) fail(m_path, "cannot open");
    // A cut record at the end goes: appends start after the last whole one.
    m_size = m_entries.empty() ? 0 : m_entries.back().offset + m_entries.back().length;
    if (m_entries.empty() || scan.cut_bytes > 0) {
        if (::ftruncate(m_fd.get(), static_cast<off_t>(m_size)) != 0) {
            fail(m_path, "cannot truncate");
        }
    }
}

SpoolFile::~SpoolFile() {
    try {
        close();
    } catch (const std::exception&) {
        // Best effort here; close() reports to callers that ask.
    }
}

void SpoolFile::append(std::uint64_t seq, std::uint32_t frames, amqp::ByteView blob) {
    amqp::Bytes header;
    amqp::Writer w(header);
    w.u32(kRecordMagic);
    w.u64(seq);
    w.u32(frames);
    w.u32(static_cast<std::uint32_t>(blob.size()));
    const iovec parts[] = {{header.data(), header.size()},
                           {const_cast<std::byte*>(blob.data()), blob.size()}};
    std::size_t want = header.size() + blob.size();
    std::size_t done = 0;
    while (done < want) {
        // pwritev: a short write (a signal, a full disk) is resumed where it stopped.
        iovec rest[2];
        int count = 0;
        std::size_t skip = done;
        for (const auto& part : parts) {
            if (skip >= part.iov_len) {
                skip -= part.iov_len;
                continue;
            }
            rest[count++] = {static_cast<std::byte*>(part.iov_base) + skip, part.iov_len - skip};
            skip = 0;
        }
        const auto wrote = ::pwritev(m_fd.get(), rest, count, static_cast<off_t>(m_size + done));
        if (wrote < 0) {
            if (errno == EINTR) continue;
            fail(m_path, "cannot write");
        }
        done += static_cast<std::size_t>(wrote);
    }
    m_entries.push_back({seq, frames, m_size + kHeaderBytes,
                         static_cast<std::uint32_t>(blob.size()),
                         std::chrono::steady_clock::now()});
    m_size += want;
}

amqp::ByteView SpoolFile::read_oldest(amqp::Bytes& buffer) const {
    const auto& e = m_entries.front();
    buffer.resize(e.length);
    std::size_t done = 0;
    while (done < e.length) {
        const auto got = ::pread(m_fd.get(), buffer.data() + done, e.length - done,
                                 static_cast<off_t>(e.offset + done));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) fail(m_path, "cannot read");
        if (got == 0) throw SqliteError(m_path + ": shorter than the batches written to it");
        done += static_cast<std::size_t>(got);
    }
    return buffer;
}

void SpoolFile::written_through(std::uint64_t seq) {
    while (!m_entries.empty() && m_entries.front().seq <= seq)
        m_entries.pop_front();
    if (m_entries.empty() && m_size > 0) {
        if (::ftruncate(m_fd.get(), 0) != 0) fail(m_path, "cannot truncate");
        m_size = 0;
    }
}

void SpoolFile::close() {
    if (!m_fd) return;
    m_fd.reset();
    if (m_entries.empty()) std::filesystem::remove(m_path);
}

}  // namespace amqpprox::capture
