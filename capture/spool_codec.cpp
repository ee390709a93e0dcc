#include "spool_codec.hpp"

#include <array>
#include <cstring>

#include "formats/amqp/reader.hpp"
#include "formats/amqp/writer.hpp"

namespace amqpprox::capture {
namespace {

// "AQSP" and the layout's version: a blob of another version is refused, not misread.
constexpr std::uint32_t kMagic = 0x41515350;
constexpr std::uint8_t kVersion = 1;

enum class EventKind : std::uint8_t { session_start = 1, backend = 2, end = 3, gap = 4 };

// Which optional columns a frame has.
enum FrameFlag : std::uint8_t {
    has_method = 1 << 0,
    has_exchange = 1 << 1,
    has_routing_key = 1 << 2,
    has_queue = 1 << 3,
    has_consumer_tag = 1 << 4,
    has_delivery_tag = 1 << 5,
};
constexpr std::uint8_t kFrameFlags = (1 << 6) - 1;

constexpr std::array kNames{&FrameRow::exchange, &FrameRow::routing_key, &FrameRow::queue,
                            &FrameRow::consumer_tag};
constexpr std::array<std::uint8_t, 4> kNameFlags{has_exchange, has_routing_key, has_queue,
                                                 has_consumer_tag};

bool valid_frame_type(std::uint8_t type) {
    return type <= 3 || type == 8;
}

void encode_event(amqp::Writer& w, const BatchEvent& event) {
    std::visit(
        [&](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, SessionStart>) {
                w.u8(static_cast<std::uint8_t>(EventKind::session_start));
                w.u64(e.id);
                w.u64(static_cast<std::uint64_t>(e.start_ns));
                w.long_str(e.client_address);
                w.long_str(e.proxy_address);
                w.long_str(e.backend_address);
                w.long_str(e.backend);
                w.u8(e.client_tls);
                w.u8(e.backend_tls);
            } else if constexpr (std::is_same_v<T, BackendChosen>) {
                w.u8(static_cast<std::uint8_t>(EventKind::backend));
                w.u64(e.session);
                w.long_str(e.name);
                w.long_str(e.address);
                w.u8(e.tls);
            } else if constexpr (std::is_same_v<T, SessionEnd>) {
                w.u8(static_cast<std::uint8_t>(EventKind::end));
                w.u64(e.session);
                w.u64(static_cast<std::uint64_t>(e.end_ns));
                w.u8(static_cast<std::uint8_t>(e.who));
            } else if constexpr (std::is_same_v<T, Gap>) {
                w.u8(static_cast<std::uint8_t>(EventKind::gap));
                w.u8(static_cast<std::uint8_t>(e.session.has_value() |
                                               (e.direction.has_value() << 1)));
                w.u64(e.session.value_or(0));
                w.u64(static_cast<std::uint64_t>(e.ts_ns));
                w.u8(static_cast<std::uint8_t>(e.direction.value_or(Direction{})));
                w.u64(e.frames);
                w.u64(e.bytes);
                w.u8(static_cast<std::uint8_t>(e.reason));
            }
        },
        event);
}

std::string where(const amqp::Reader& r, std::string_view what) {
    return "spooled batch: " + std::string(what) + " at offset " + std::to_string(r.position());
}

std::string owned(std::string_view text) {
    return std::string(text);
}

// Flags are 0 or 1: one spelling per batch, so a damaged byte does not pass for a value.
// Any other value sets `bad`.
bool flag(amqp::Reader& r, bool& bad) {
    const auto value = r.u8();
    bad |= value > 1;
    return value == 1;
}

tl::expected<BatchEvent, std::string> decode_event(amqp::Reader& r) {
    const auto kind = static_cast<EventKind>(r.u8());
    bool bad = false;
    switch (kind) {
        case EventKind::session_start: {
            SessionStart s;
            s.id = r.u64();
            s.start_ns = static_cast<std::int64_t>(r.u64());
            s.client_address = owned(r.long_str());
            s.proxy_address = owned(r.long_str());
            s.backend_address = owned(r.long_str());
            s.backend = owned(r.long_str());
            s.client_tls = flag(r, bad);
            s.backend_tls = flag(r, bad);
            if (bad) return tl::unexpected(where(r, "bad TLS flag"));
            return s;
        }
        case EventKind::backend: {
            BackendChosen b;
            b.session = r.u64();
            b.name = owned(r.long_str());
            b.address = owned(r.long_str());
            b.tls = flag(r, bad);
            if (bad) return tl::unexpected(where(r, "bad TLS flag"));
            return b;
        }
        case EventKind::end: {
            SessionEnd e;
            e.session = r.u64();
            e.end_ns = static_cast<std::int64_t>(r.u64());
            const auto who = r.u8();
            if (who > static_cast<std::uint8_t>(ClosedBy::proxy))
                return tl::unexpected(where(r, "unknown closer"));
            e.who = static_cast<ClosedBy>(who);
            return e;
        }
        case EventKind::gap: {
            Gap g;
            const auto has = r.u8();
            const auto session = r.u64();
            g.ts_ns = static_cast<std::int64_t>(r.u64());
            const auto direction = r.u8();
            g.frames = r.u64();
            g.bytes = r.u64();
            const auto reason = r.u8();
            if (has > 3 || direction > 1 ||
                reason > static_cast<std::uint8_t>(GapReason::missing_bytes) ||
                (!(has & 1) && session != 0) || (!(has & 2) && direction != 0))
                return tl::unexpected(where(r, "bad gap"));
            if (has & 1) g.session = session;
            if (has & 2) g.direction = static_cast<Direction>(direction);
            g.reason = static_cast<GapReason>(reason);
            return g;
        }
    }
    return tl::unexpected(where(r, "unknown event kind"));
}

}  // namespace

void encode_batch(const Batch& batch, amqp::Bytes& out) {
    out.reserve(out.size() + 32 + batch.frames.size() * 48 + batch.payload_bytes());
    amqp::Writer w(out);
    w.u32(kMagic);
    w.u8(kVersion);
    std::uint32_t events = 0;
    for (const auto& [before, event] : batch.events)
        events += !std::holds_alternative<FlushRequest>(event);
    w.u32(static_cast<std::uint32_t>(batch.frames.size()));
    w.u32(events);
    w.u32(static_cast<std::uint32_t>(batch.dropped.size()));
    for (const auto& f : batch.frames) {
        std::uint8_t flags = 0;
        if (f.method) flags |= has_method;
        for (std::size_t i = 0; i < kNames.size(); ++i)
            if (f.*kNames[i]) flags |= kNameFlags[i];
        if (f.delivery_tag) flags |= has_delivery_tag;
        w.u64(f.session);
        w.u64(f.seq);
        w.u64(static_cast<std::uint64_t>(f.ts_ns));
        w.u8(static_cast<std::uint8_t>(f.direction));
        w.u16(f.channel);
        w.u8(static_cast<std::uint8_t>(f.type));
        w.u8(flags);
        w.u32(f.size);
        if (f.method) w.u32(*f.method);
        if (f.delivery_tag) w.u64(*f.delivery_tag);
        w.u32(static_cast<std::uint32_t>(f.payload.size()));
        w.bytes(f.payload);
        for (const auto name : kNames)
            if (const auto& text = f.*name) w.long_str(*text);
    }
    for (const auto& [before, event] : batch.events) {
        if (std::holds_alternative<FlushRequest>(event)) continue;
        w.u32(static_cast<std::uint32_t>(before));
        encode_event(w, event);
    }
    for (const auto& [session, d] : batch.dropped) {
        w.u64(session);
        w.u64(static_cast<std::uint64_t>(d.first_ts_ns));
        w.u64(d.frames);
        w.u64(d.bytes);
    }
}

tl::expected<void, std::string> decode_batch(amqp::ByteView blob, Batch& out) {
    out.clear();
    // One copy of the blob in the arena; the frames view it.
    std::byte* copy = blob.empty() ? nullptr : out.bytes.allocate(blob.size());
    if (!blob.empty()) std::memcpy(copy, blob.data(), blob.size());
    amqp::Reader r(amqp::ByteView(copy, blob.size()));
    if (r.u32() != kMagic) return tl::unexpected(std::string("not a spooled batch"));
    if (const auto version = r.u8(); version != kVersion)
        return tl::unexpected("spooled batch of layout " + std::to_string(version) +
                              " (this build reads " + std::to_string(kVersion) + ")");
    const auto frames = r.u32();
    const auto events = r.u32();
    const auto dropped = r.u32();
    // Each frame takes at least 30 bytes: a count the blob cannot hold is refused before
    // anything is reserved for it.
    if (!r.ok()) return tl::unexpected("spooled batch: " + r.error().message());
    if (frames > r.remaining() / 30) return tl::unexpected(where(r, "frame count beyond the blob"));
    out.frames.reserve(frames);
    for (std::uint32_t i = 0; i < frames && r.ok(); ++i) {
        FrameRow f;
        f.session = r.u64();
        f.seq = r.u64();
        f.ts_ns = static_cast<std::int64_t>(r.u64());
        const auto direction = r.u8();
        f.channel = r.u16();
        const auto type = r.u8();
        const auto flags = r.u8();
        f.size = r.u32();
        if (direction > 1 || !valid_frame_type(type) || (flags & ~kFrameFlags) != 0)
            return tl::unexpected(where(r, "bad frame"));
        f.direction = static_cast<Direction>(direction);
        f.type = static_cast<amqp::FrameType>(type);
        if (flags & has_method) f.method = r.u32();
        if (flags & has_delivery_tag) f.delivery_tag = r.u64();
        // Not checked against `size`: a redacted payload can be longer than the frame was.
        f.payload = r.take(r.u32());
        for (std::size_t n = 0; n < kNames.size(); ++n)
            if (flags & kNameFlags[n]) f.*kNames[n] = r.long_str();
        out.frames.push_back(f);
    }
    std::size_t last_before = 0;
    for (std::uint32_t i = 0; i < events && r.ok(); ++i) {
        const std::size_t before = r.u32();
        if (before < last_before || before > out.frames.size())
            return tl::unexpected(where(r, "event out of place"));
        last_before = before;
        auto event = decode_event(r);
        if (!event) return tl::unexpected(event.error());
        out.events.emplace_back(before, std::move(*event));
    }
    for (std::uint32_t i = 0; i < dropped && r.ok(); ++i) {
        const auto session = r.u64();
        if (!out.dropped.empty() && session <= out.dropped.rbegin()->first)
            return tl::unexpected(where(r, "drops out of order"));
        auto& d = out.dropped[session];
        d.first_ts_ns = static_cast<std::int64_t>(r.u64());
        d.frames = r.u64();
        d.bytes = r.u64();
    }
    r.expect_end();
    if (!r.ok()) return tl::unexpected("spooled batch: " + r.error().message());
    return {};
}

}  // namespace amqpprox::capture
