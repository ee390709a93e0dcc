// Hands the calls a PcapSessionSink receives on one thread to a sink on another, in batches,
// so that reading packets (decoding, reassembly, framing) and whatever consumes the frames
// (formatting a trace) each get a core. The order of the calls is kept.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "pcap_source.hpp"

namespace amqpprox::capture {

class SinkRelay final : public PcapSessionSink {
public:
    // At most `max_batches` full batches wait for the consumer (each up to 4,096 calls and
    // 1 MiB of payload): what the producer may run ahead by.
    explicit SinkRelay(std::size_t max_batches = 8);
    ~SinkRelay() override;
    SinkRelay(const SinkRelay&) = delete;
    SinkRelay& operator=(const SinkRelay&) = delete;

    // The producing thread: the sink's calls, plus stream_pcap_sessions's `settled`.
    void start_session(const SessionStart& start) override;
    void frame(SessionId session, Direction direction, amqp::FrameType type, std::uint16_t channel,
               amqp::ByteView payload, std::int64_t ts_ns) override;
    void gap(const Gap& gap) override;
    void end_session(SessionId session, std::int64_t ts_ns) override;
    void settled(std::int64_t ts_ns);
    // No more calls: what is batched goes out, and replay() returns after it.
    void close();

    // The consuming thread: makes every call on `sink` (and `settled`) in the order they were
    // made here, until close(). Stops early when abort() is called.
    void replay(PcapSessionSink& sink, const std::function<void(std::int64_t)>& settled);
    // The consumer gave up (an exception): the producer's calls are dropped from now on.
    void abort();

private:
    enum class Kind : std::uint8_t { start, frame, gap, end, settled };
    struct Event {
        Kind kind{};
        Direction direction{};
        amqp::FrameType type{};
        std::uint16_t channel = 0;
        SessionId session = 0;
        std::int64_t ts_ns = 0;
        std::size_t offset = 0;  // frame: payload in `bytes`; start, gap: index in their list
        std::size_t size = 0;
    };
    struct Batch {
        std::vector<Event> events;
        amqp::Bytes bytes;
        std::vector<SessionStart> starts;
        std::vector<Gap> gaps;
        void clear();
    };
    static constexpr std::size_t kBatchEvents = 4096;
    static constexpr std::size_t kBatchBytes = 1u << 20;

    void push(const Event& event);
    void submit();

    const std::size_t m_max_batches;
    std::unique_ptr<Batch> m_filling;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<std::unique_ptr<Batch>> m_queue;   // full batches, oldest first
    std::vector<std::unique_ptr<Batch>> m_spare;  // emptied ones, for reuse
    bool m_closed = false;
    bool m_aborted = false;
};

}  // namespace amqpprox::capture
