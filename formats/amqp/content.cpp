#include "content.hpp"

#include "reader.hpp"
#include "writer.hpp"

namespace amqpprox::amqp {
namespace {

// Calls f(optional_member, flag_bit) for each property, in wire order.
template <typename Properties, typename F>
void for_each_property(Properties& p, F&& f) {
    int bit = 15;
#define AMQPPROX_PROPERTY(KIND, NAME) f(p.NAME, bit--);
    AMQP_BASIC_PROPERTIES(AMQPPROX_PROPERTY)
#undef AMQPPROX_PROPERTY
}

// Property flag bits 1 (reserved) and 0 (continuation) are never set by a 0-9-1 peer.
constexpr std::uint16_t kUndefinedFlags = 0x0003;

void read_property(Reader& r, std::optional<std::string>& v) {
    v.emplace(r.short_str());
}
void read_property(Reader& r, std::optional<std::uint8_t>& v) {
    v = r.u8();
}
void read_property(Reader& r, std::optional<std::uint64_t>& v) {
    v = r.u64();
}
void read_property(Reader& r, std::optional<FieldTable>& v) {
    read_field_table(r, v.emplace());
}

void write_property(Writer& w, const std::string& v) {
    w.short_str(v);
}
void write_property(Writer& w, std::uint8_t v) {
    w.u8(v);
}
void write_property(Writer& w, std::uint64_t v) {
    w.u64(v);
}
void write_property(Writer& w, const FieldTable& v) {
    write_field_table(w, v);
}

}  // namespace

Result<ContentSize> peek_content_size(ByteView payload, std::size_t base_offset) {
    Reader r(payload, base_offset);
    const auto class_id = r.u16();
    r.u16();  // weight
    const auto body_size = r.u64();
    if (!r.ok()) return tl::unexpected(r.error());
    return ContentSize{class_id, body_size};
}

Result<ContentHeader> decode_content_header(ByteView payload, std::size_t base_offset) {
    Reader r(payload, base_offset);
    ContentHeader header;
    header.class_id = r.u16();
    header.weight = r.u16();
    header.body_size = r.u64();
    const auto flags_offset = r.position();
    const auto flags = r.u16();
    if (!r.ok()) return tl::unexpected(r.error());
    if (header.class_id != kBasicClassId) {
        return make_error(Errc::bad_content_header, base_offset, header.class_id);
    }
    if ((flags & kUndefinedFlags) != 0) {
        return make_error(Errc::bad_content_header, flags_offset, flags);
    }
    for_each_property(header.properties, [&](auto& property, int bit) {
        if (flags & (1u << bit)) read_property(r, property);
    });
    r.expect_end();
    if (!r.ok()) return tl::unexpected(r.error());
    return header;
}

Result<void> encode_content_header(const ContentHeader& header, Bytes& out) {
    const auto original_size = out.size();
    Writer w(out);
    w.u16(header.class_id);
    w.u16(header.weight);
    w.u64(header.body_size);
    std::uint16_t flags = 0;
    for_each_property(header.properties, [&](const auto& property, int bit) {
        if (property) flags = static_cast<std::uint16_t>(flags | 1u << bit);
    });
    w.u16(flags);
    for_each_property(header.properties, [&](const auto& property, int) {
        if (property) write_property(w, *property);
    });
    if (!w.ok()) out.resize(original_size);
    return w.result();
}

}  // namespace amqpprox::amqp
