#include "sink_relay.hpp"

namespace amqpprox::capture {

void SinkRelay::Batch::clear() {
    events.clear();
    bytes.clear();
    starts.clear();
    gaps.clear();
}

SinkRelay::SinkRelay(std::size_t max_batches)
    : m_max_batches(max_batches), m_filling(std::make_unique<Batch>()) {
    m_filling->events.reserve(kBatchEvents);
    m_filling->bytes.reserve(kBatchBytes);
}

SinkRelay::~SinkRelay() = default;

void SinkRelay::push(const Event& event) {
    m_filling->events.push_back(event);
    if (m_filling->events.size() >= kBatchEvents || m_filling->bytes.size() >= kBatchBytes)
        submit();
}

void SinkRelay::start_session(const SessionStart& start) {
    m_filling->starts.push_back(start);
    push({.kind = Kind::start, .offset = m_filling->starts.size() - 1});
}

void SinkRelay::frame(SessionId session, Direction direction, amqp::FrameType type,
                      std::uint16_t channel, amqp::ByteView payload, std::int64_t ts_ns) {
    auto& bytes = m_filling->bytes;
    const auto offset = bytes.size();
    bytes.insert(bytes.end(), payload.begin(), payload.end());
    push({.kind = Kind::frame,
          .direction = direction,
          .type = type,
          .channel = channel,
          .session = session,
          .ts_ns = ts_ns,
          .offset = offset,
          .size = payload.size()});
}

void SinkRelay::gap(const Gap& gap) {
    m_filling->gaps.push_back(gap);
    push({.kind = Kind::gap, .offset = m_filling->gaps.size() - 1});
}

void SinkRelay::end_session(SessionId session, std::int64_t ts_ns) {
    push({.kind = Kind::end, .session = session, .ts_ns = ts_ns});
}

void SinkRelay::settled(std::int64_t ts_ns) {
    push({.kind = Kind::settled, .ts_ns = ts_ns});
}

void SinkRelay::submit() {
    if (m_filling->events.empty()) return;
    std::unique_ptr<Batch> next;
    {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] { return m_queue.size() < m_max_batches || m_aborted; });
        if (m_aborted) {
            m_filling->clear();
            return;
        }
        m_queue.push_back(std::move(m_filling));
        if (!m_spare.empty()) {
            next = std::move(m_spare.back());
            m_spare.pop_back();
        }
    }
    m_changed.notify_all();
    if (!next) {
        next = std::make_unique<Batch>();
        next->events.reserve(kBatchEvents);
        next->bytes.reserve(kBatchBytes);
    }
    m_filling = std::move(next);
}

void SinkRelay::close() {
    submit();
    {
        std::lock_guard lock(m_mutex);
        m_closed = true;
    }
    m_changed.notify_all();
}

void SinkRelay::abort() {
    {
        std::lock_guard lock(m_mutex);
        m_aborted = true;
    }
    m_changed.notify_all();
}

void SinkRelay::replay(PcapSessionSink& sink, const std::function<void(std::int64_t)>& settled) {
    while (true) {
        std::unique_ptr<Batch> batch;
        {
            std::unique_lock lock(m_mutex);
            m_changed.wait(lock, [this] { return !m_queue.empty() || m_closed || m_aborted; });
            if (m_aborted || m_queue.empty()) return;  // closed and drained
            batch = std::move(m_queue.front());
            m_queue.pop_front();
        }
        m_changed.notify_all();
        for (const auto& e : batch->events) {
            switch (e.kind) {
                case Kind::start:
                    sink.start_session(batch->starts[e.offset]);
                    break;
                case Kind::frame:
                    sink.frame(e.session, e.direction, e.type, e.channel,
                               amqp::ByteView(batch->bytes).subspan(e.offset, e.size), e.ts_ns);
                    break;
                case Kind::gap:
                    sink.gap(batch->gaps[e.offset]);
                    break;
                case Kind::end:
                    sink.end_session(e.session, e.ts_ns);
                    break;
                case Kind::settled:
                    settled(e.ts_ns);
                    break;
            }
        }
        batch->clear();
        std::lock_guard lock(m_mutex);
        m_spare.push_back(std::move(batch));
    }
}

}  // namespace amqpprox::capture
