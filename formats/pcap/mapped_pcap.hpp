// A classic pcap file (not pcapng, not gzip, not a pipe) mapped into memory, with a check
// from end to end: whole, every length within the snapshot length, timestamps never going
// back. For a reader that must know that before it prints (the direct trace, which prints as
// it goes and cannot take a line back) and that wants packets without copies.
// Anything it does not accept is for PcapFile (libpcap), which reads every form and reports
// damage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <tl/expected.hpp>

#include "pcap_file.hpp"

namespace amqpprox::pcap {

class MappedPcap {
public:
    // Maps the file and reads its header. Why the file is not for this reader is a message;
    // the caller then reads it with PcapFile.
    static tl::expected<MappedPcap, std::string> open(const std::string& path);
    MappedPcap(MappedPcap&& other) noexcept;
    MappedPcap& operator=(MappedPcap&&) = delete;
    ~MappedPcap();

    // Walks every record header: each whole and within the snapshot length (libpcap would cut
    // or refuse one that is not), time never going back. Safe to run on another thread while
    // next() reads, so a reader can start before the verdict and hold its output until then.
    tl::expected<void, std::string> check() const;

    // The next packet, or nullopt at the end (or at a record check() refuses); its bytes are
    // valid as long as the reader.
    std::optional<CapturedPacket> next();

    std::uint32_t link_type() const { return m_link_type; }
    std::uint64_t size() const { return m_size; }
    std::uint64_t offset() const { return m_offset; }  // of the next record

private:
    // Which pages of the mapping a walk has mapped ahead of itself and given back behind.
    struct Window {
        std::uint64_t populated = 0;
        std::uint64_t released = 0;
    };
    MappedPcap() = default;
    // Maps the pages ahead of `offset` in one call: cheaper than a page fault every few
    // pages (kernels without MADV_POPULATE_READ fault as before).
    void populate_ahead(Window& window, std::uint64_t offset) const;
    // Gives back the pages behind `offset`: the file stays in the page cache, but a big file
    // does not stay in this process's resident memory.
    void release_behind(Window& window, std::uint64_t offset) const;
    std::uint32_t u32(std::uint64_t offset) const;
    std::int64_t ts_ns(std::uint64_t offset) const;

    const std::byte* m_data = nullptr;
    std::uint64_t m_size = 0;
    std::uint64_t m_offset = 0;
    Window m_window;  // next()'s
    std::uint32_t m_link_type = 0;
    std::uint32_t m_snapshot = 0;
    bool m_swapped = false;
    bool m_nanoseconds = false;
};

}  // namespace amqpprox::pcap
