#include "diff.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>

#include "formats/amqp/content.hpp"
#include "formats/amqp/printer.hpp"

namespace amqpprox::replay {

std::string_view to_string(DifferenceKind kind) {
    switch (kind) {
        case DifferenceKind::missing:
            return "missing";
        case DifferenceKind::extra:
            return "extra";
        case DifferenceKind::different:
            return "different";
    }
    return "?";
}

namespace {

// A frame reduced to what must be equal between the recording and the replay.
struct Canonical {
    amqp::FrameType type{};
    std::optional<amqp::Method> method;
    std::optional<amqp::ContentHeader> header;
    amqp::Bytes raw;  // bodies, and what does not decode
    std::uint32_t size = 0;
    bool cut = false;  // a recorded body the capture kept only the start of
};

void normalise(amqp::Method& method, const DiffOptions& options) {
    if (auto* m = std::get_if<amqp::ConnectionStart>(&method)) {
        // The broker's product, version, platform and capabilities are not the session's.
        m->server_properties = {};
        m->mechanisms.clear();
        m->locales.clear();
    }
    if (!options.loose) return;
    std::visit(
        [](auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, amqp::QueueDeclareOk>) {
                m.message_count = 0;
                m.consumer_count = 0;
            } else if constexpr (std::is_same_v<T, amqp::QueuePurgeOk> ||
                                 std::is_same_v<T, amqp::QueueDeleteOk> ||
                                 std::is_same_v<T, amqp::BasicGetOk>) {
                m.message_count = 0;
            }
        },
        method);
}

Canonical canonical(const Frame& frame, const DiffOptions& options) {
    Canonical c{.type = frame.type, .size = frame.size, .cut = frame.cut()};
    if (frame.type == amqp::FrameType::method) {
        if (auto m = amqp::decode_method(frame.payload)) {
            normalise(*m, options);
            c.method = std::move(*m);
            return c;
        }
    } else if (frame.type == amqp::FrameType::header) {
        if (auto h = amqp::decode_content_header(frame.payload)) {
            h->properties.timestamp.reset();  // when the message was made, not what it is
            c.header = std::move(*h);
            return c;
        }
    }
    c.raw = frame.payload;
    return c;
}

bool same(const Canonical& recorded, const Canonical& replayed) {
    if (recorded.type != replayed.type || recorded.method != replayed.method ||
        recorded.header != replayed.header) {
        return false;
    }
    if (!recorded.cut) return recorded.raw == replayed.raw;
    // Only the start of a cut body is known.
    return recorded.size == replayed.size && replayed.raw.size() >= recorded.raw.size() &&
           std::equal(recorded.raw.begin(), recorded.raw.end(), replayed.raw.begin());
}

using Channels = std::map<std::uint16_t, std::vector<const Frame*>>;

Channels by_channel(const std::vector<Frame>& frames) {
    Channels channels;
    for (const auto& f : frames)
        channels[f.channel].push_back(&f);
    return channels;
}

// Longest common subsequence of two channel streams as pairs of matched indices. Very long
// channels (beyond a few million cell comparisons) are matched position by position instead.
std::vector<std::pair<std::size_t, std::size_t>> align(const std::vector<Canonical>& a,
                                                       const std::vector<Canonical>& b) {
    std::vector<std::pair<std::size_t, std::size_t>> matches;
    const auto n = a.size();
    const auto m = b.size();
    if (n * m > 4'000'000) {
        for (std::size_t i = 0; i < std::min(n, m); ++i) {
            if (same(a[i], b[i])) matches.emplace_back(i, i);
        }
        return matches;
    }
    std::vector<std::uint32_t> table((n + 1) * (m + 1), 0);
    const auto at = [m](std::size_t i, std::size_t j) { return i * (m + 1) + j; };
    for (std::size_t i = n; i-- > 0;) {
        for (std::size_t j = m; j-- > 0;) {
            table[at(i, j)] = same(a[i], b[j]) ? table[at(i + 1, j + 1)] + 1
                                               : std::max(table[at(i + 1, j)], table[at(i, j + 1)]);
        }
    }
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < n && j < m) {
        if (same(a[i], b[j])) {
            matches.emplace_back(i++, j++);
        } else if (table[at(i + 1, j)] >= table[at(i, j + 1)]) {
            ++i;
        } else {
            ++j;
        }
    }
    return matches;
}

// A channel's frames made comparable. The broker may confirm publishes one by one or
// several at once (multiple), differently from run to run: a multiple confirm becomes the
// single confirms it stands for. `shown` gets the frame each entry stands for.
std::vector<Canonical> canonical_stream(const std::vector<const Frame*>& frames,
                                        const DiffOptions& options,
                                        std::vector<const Frame*>& shown,
                                        std::deque<Frame>& expanded) {
    std::vector<Canonical> out;
    std::uint64_t confirmed = 0;  // the highest publish sequence number confirmed so far
    for (const auto* f : frames) {
        auto c = canonical(*f, options);
        const auto* ack = c.method ? std::get_if<amqp::BasicAck>(&*c.method) : nullptr;
        const auto* nack = c.method ? std::get_if<amqp::BasicNack>(&*c.method) : nullptr;
        const auto tag = ack ? ack->delivery_tag : nack ? nack->delivery_tag : 0;
        const bool multiple = ack ? ack->multiple : nack ? nack->multiple : false;
        if (!multiple || tag <= confirmed) {
            confirmed = std::max(confirmed, tag);
            out.push_back(std::move(c));
            shown.push_back(f);
            continue;
        }
        for (auto t = confirmed + 1; t <= tag; ++t) {
            amqp::Method single = amqp::BasicAck{.delivery_tag = t};
            if (nack) single = amqp::BasicNack{.delivery_tag = t, .requeue = nack->requeue};
            Frame frame{.offset_ns = f->offset_ns, .channel = f->channel, .type = f->type};
            (void)amqp::encode_method(single, frame.payload);
            frame.size = static_cast<std::uint32_t>(frame.payload.size());
            expanded.push_back(std::move(frame));
            out.push_back(canonical(expanded.back(), options));
            shown.push_back(&expanded.back());
        }
        confirmed = tag;
    }
    return out;
}

void diff_channel(std::uint16_t channel, const std::vector<const Frame*>& recorded_frames,
                  const std::vector<const Frame*>& replayed_frames, const DiffOptions& options,
                  std::vector<Difference>& out) {
    std::vector<const Frame*> recorded;
    std::vector<const Frame*> replayed;
    std::deque<Frame> expanded;  // stable addresses for the frames made from multiple confirms
    const auto a = canonical_stream(recorded_frames, options, recorded, expanded);
    const auto b = canonical_stream(replayed_frames, options, replayed, expanded);
    auto matches = align(a, b);
    matches.emplace_back(a.size(), b.size());  // the end closes the last gap
    std::size_t i = 0;
    std::size_t j = 0;
    for (const auto& [mi, mj] : matches) {
        // Unmatched frames between two matches: pairs are different, the rest missing/extra.
        while (i < mi && j < mj) {
            out.push_back({DifferenceKind::different, channel, i + 1, frame_text(*recorded[i]),
                           frame_text(*replayed[j])});
            ++i;
            ++j;
        }
        for (; i < mi; ++i) {
            out.push_back({DifferenceKind::missing, channel, i + 1, frame_text(*recorded[i]), {}});
        }
        for (; j < mj; ++j) {
            out.push_back({DifferenceKind::extra, channel, j + 1, {}, frame_text(*replayed[j])});
        }
        ++i;
        ++j;
    }
}

}  // namespace

std::string frame_text(const Frame& frame) {
    switch (frame.type) {
        case amqp::FrameType::method:
            if (auto m = amqp::decode_method(frame.payload)) return amqp::to_text(*m);
            return "undecodable method frame (" + std::to_string(frame.size) + " bytes)";
        case amqp::FrameType::header:
            if (auto h = amqp::decode_content_header(frame.payload)) return amqp::to_text(*h);
            return "undecodable content header (" + std::to_string(frame.size) + " bytes)";
        case amqp::FrameType::body:
            return "body " + std::to_string(frame.size) + " bytes";
        default:
            return std::string(amqp::to_string(frame.type));
    }
}

std::vector<Difference> diff_frames(const std::vector<Frame>& recorded,
                                    const std::vector<Frame>& replayed,
                                    const DiffOptions& options) {
    const auto a = by_channel(recorded);
    const auto b = by_channel(replayed);
    std::vector<std::uint16_t> channels;
    for (const auto& [c, _] : a)
        channels.push_back(c);
    for (const auto& [c, _] : b) {
        if (!a.contains(c)) channels.push_back(c);
    }
    std::sort(channels.begin(), channels.end());
    static const std::vector<const Frame*> none;
    std::vector<Difference> out;
    for (const auto c : channels) {
        const auto ra = a.find(c);
        const auto rb = b.find(c);
        diff_channel(c, ra == a.end() ? none : ra->second, rb == b.end() ? none : rb->second,
                     options, out);
    }
    return out;
}

}  // namespace amqpprox::replay
