// A classic pcap file (not pcapng, not gzip, not a pipe) mapped into memory and checked from
// end to end before a packet is handed out: whole, every length within the snapshot length,
// timestamps never going back. For a reader that must know that up front (the direct trace,
// which prints as it goes and cannot take a line back) and that wants packets without copies.
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
    // Why the file is not for this reader is a message; the caller then reads it with PcapFile.
    static tl::expected<MappedPcap, std::string> open(const std::string& path);
    MappedPcap(MappedPcap&& other) noexcept;
    MappedPcap& operator=(MappedPcap&&) = delete;
    ~MappedPcap();

    // The next packet, or nullopt at the end; its bytes are valid as long as the reader.
    std::optional<CapturedPacket> next();

    std::uint32_t link_type() const { return m_link_type; }
    std::uint64_t packets() const { return m_packets; }  // counted by the check in open()
    std::uint64_t size() const { return m_size; }

private:
    MappedPcap() = default;
    // Gives back the pages behind `offset`: the file stays in the page cache, but a big file
    // does not stay in this process's resident memory.
    void release_behind(std::uint64_t offset);
    std::uint32_t u32(std::uint64_t offset) const;

    const std::byte* m_data = nullptr;
    std::uint64_t m_size = 0;
    std::uint64_t m_offset = 0;
    std::uint64_t m_released = 0;
    std::uint64_t m_packets = 0;
    std::uint32_t m_link_type = 0;
    bool m_swapped = false;
    bool m_nanoseconds = false;
};

}  // namespace amqpprox::pcap
