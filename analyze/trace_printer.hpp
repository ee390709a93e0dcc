// The lines of `amqp-analyze trace`, whichever way the frames arrive (read back from a
// capture, or straight from a pcap's reassembly): text or JSON appended to a string, which
// an OutputBuffer hands to the stream in large pieces rather than a few bytes per field.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "capture/record.hpp"
#include "formats/text/time.hpp"
#include "trace.hpp"

namespace amqpprox::analyze {

// One frame as trace prints it: a Record's fields, without owning the payload.
struct TraceFrame {
    std::int64_t ts_ns = 0;
    std::uint64_t seq = 0;
    capture::Direction direction{};
    std::uint16_t channel = 0;
    amqp::FrameType type{};
    std::uint32_t size = 0;  // payload bytes on the wire
    amqp::ByteView payload;  // as stored

    static TraceFrame of(const capture::Record& r) {
        return {r.ts_ns, r.seq, r.direction, r.channel, r.type, r.size, r.payload};
    }
};

class TracePrinter {
public:
    explicit TracePrinter(const TraceOptions& options) : m_options(options) {}

    // Appends the frame's line to `out` (nothing for a heartbeat unless they are asked for).
    void frame(std::string& out, std::string_view session, const TraceFrame& f);
    void gap(std::string& out, std::string_view session, const capture::Gap& g);

    std::uint64_t undecodable() const { return m_undecodable; }

private:
    const TraceOptions& m_options;
    text::UtcMicrosFormatter m_time;
    std::uint64_t m_undecodable = 0;
};

// Collects output and writes it to the stream when it has grown large, and when asked.
class OutputBuffer {
public:
    explicit OutputBuffer(std::ostream& out) : m_out(out) { m_text.reserve(kFlushAt * 2); }
    ~OutputBuffer() { flush(); }
    OutputBuffer(const OutputBuffer&) = delete;
    OutputBuffer& operator=(const OutputBuffer&) = delete;

    std::string& text() { return m_text; }
    void flush_if_full() {
        if (m_text.size() >= kFlushAt) flush();
    }
    void flush();

private:
    static constexpr std::size_t kFlushAt = 256 * 1024;
    std::ostream& m_out;
    std::string m_text;
};

// The exit status and the closing message of a trace.
int finish_trace(const TracePrinter& printer, std::uint64_t matched, std::ostream& err);

}  // namespace amqpprox::analyze
