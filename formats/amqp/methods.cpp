#include "methods.hpp"

#include <array>
#include <cctype>

#include "reader.hpp"
#include "writer.hpp"

namespace amqpprox::amqp {
namespace {

struct DecodeVisitor {
    Reader& r;

    template <FieldKind K, typename T>
    void operator()(KindTag<K>, std::string_view, T& v) const {
        if constexpr (K == FieldKind::Octet) v = r.u8();
        if constexpr (K == FieldKind::Short) v = r.u16();
        if constexpr (K == FieldKind::Long) v = r.u32();
        if constexpr (K == FieldKind::LongLong) v = r.u64();
        if constexpr (K == FieldKind::ShortStr) v.assign(r.short_str());
        if constexpr (K == FieldKind::LongStr) v.assign(r.long_str());
        if constexpr (K == FieldKind::Bit) v = r.bit();
        if constexpr (K == FieldKind::Table) read_field_table(r, v);
    }
};

struct EncodeVisitor {
    Writer& w;

    template <FieldKind K, typename T>
    void operator()(KindTag<K>, std::string_view, const T& v) const {
        if constexpr (K == FieldKind::Octet) w.u8(v);
        if constexpr (K == FieldKind::Short) w.u16(v);
        if constexpr (K == FieldKind::Long) w.u32(v);
        if constexpr (K == FieldKind::LongLong) w.u64(v);
        if constexpr (K == FieldKind::ShortStr) w.short_str(v);
        if constexpr (K == FieldKind::LongStr) w.long_str(v);
        if constexpr (K == FieldKind::Bit) w.bit(v);
        if constexpr (K == FieldKind::Table) write_field_table(w, v);
    }
};

struct FieldCollector {
    std::vector<FieldInfo>& fields;

    template <FieldKind K, typename T>
    void operator()(KindTag<K>, std::string_view name, const T&) const {
        fields.push_back({K, name});
    }
};

template <typename T, typename Variant>
struct IndexOf;
template <typename T, typename... Ts>
struct IndexOf<T, std::variant<Ts...>> {
    static constexpr std::size_t value = [] {
        constexpr std::array<bool, sizeof...(Ts)> same{std::is_same_v<T, Ts>...};
        for (std::size_t i = 0; i < same.size(); ++i) {
            if (same[i]) return i;
        }
        return same.size();
    }();
};
template <typename T>
constexpr std::size_t kIndexOf = IndexOf<T, Method>::value;

// "queue.declare-ok" -> "Queue.Declare-Ok"
std::string display_name(std::string_view name) {
    std::string out(name);
    bool word_start = true;
    for (auto& c : out) {
        if (word_start) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        word_start = c == '.' || c == '-';
    }
    return out;
}

template <typename S>
MethodInfo make_info(std::string_view name, bool synchronous, bool has_content, std::uint16_t reply,
                     std::uint16_t alternative_reply) {
    MethodInfo info{S::id, name, display_name(name), synchronous, has_content, {}, {}};
    for (const auto r : {reply, alternative_reply}) {
        if (r != 0) info.replies.push_back({S::id.class_id, r});
    }
    visit_fields(S{}, FieldCollector{info.fields});
    return info;
}

const std::vector<MethodInfo>& method_infos() {
#define AMQPPROX_INFO(STRUCT, CLASS, METHOD, NAME, SYNC, CONTENT, R1, R2, FIELDS) \
    make_info<STRUCT>(NAME, SYNC, CONTENT, R1, R2),
#define AMQPPROX_NO_FIELD(KIND, NAME)
    static const std::vector<MethodInfo> infos{AMQP_METHOD_TABLE(AMQPPROX_INFO, AMQPPROX_NO_FIELD)};
#undef AMQPPROX_INFO
    return infos;
}

// The position of `id` in the table, or kMethodCount.
std::size_t index_of(MethodId id) {
#define AMQPPROX_INDEX_CASE(STRUCT, CLASS, METHOD, ...) \
    case MethodId{CLASS, METHOD}.key():                 \
        return kIndexOf<STRUCT>;
    switch (id.key()) {
        AMQP_METHOD_TABLE(AMQPPROX_INDEX_CASE, AMQPPROX_NO_FIELD)
        default:
            return kMethodCount;
    }
#undef AMQPPROX_INDEX_CASE
}

template <typename S>
Result<Method> decode_as(Reader& r) {
    S method;
    visit_fields(method, DecodeVisitor{r});
    r.expect_end();
    if (!r.ok()) return tl::unexpected(r.error());
    return Method{std::in_place_type<S>, std::move(method)};
}

}  // namespace

std::string_view to_string(FieldKind kind) {
    switch (kind) {
        case FieldKind::Octet:
            return "octet";
        case FieldKind::Short:
            return "short";
        case FieldKind::Long:
            return "long";
        case FieldKind::LongLong:
            return "longlong";
        case FieldKind::ShortStr:
            return "shortstr";
        case FieldKind::LongStr:
            return "longstr";
        case FieldKind::Bit:
            return "bit";
        case FieldKind::Table:
            return "table";
    }
    return "?";
}

std::span<const MethodInfo> all_methods() {
    return method_infos();
}

const MethodInfo* find_method(MethodId id) {
    const auto index = index_of(id);
    return index < kMethodCount ? &method_infos()[index] : nullptr;
}

const MethodInfo& info(const Method& method) {
    return method_infos()[method.index()];
}

MethodId method_id(const Method& method) {
    return std::visit([](const auto& m) { return m.id; }, method);
}

Result<MethodId> peek_method_id(ByteView payload, std::size_t base_offset) {
    Reader r(payload, base_offset);
    const auto class_id = r.u16();
    const auto id = r.u16();
    if (!r.ok()) return tl::unexpected(r.error());
    return MethodId{class_id, id};
}

Result<Method> decode_method(ByteView payload, std::size_t base_offset) {
    Reader r(payload, base_offset);
    const auto class_id = r.u16();
    const auto id = r.u16();
    if (!r.ok()) return tl::unexpected(r.error());
    const MethodId method{class_id, id};
#define AMQPPROX_DECODE_CASE(STRUCT, CLASS, METHOD, ...) \
    case MethodId{CLASS, METHOD}.key():                  \
        return decode_as<STRUCT>(r);
    switch (method.key()) {
        AMQP_METHOD_TABLE(AMQPPROX_DECODE_CASE, AMQPPROX_NO_FIELD)
        default:
            return make_error(Errc::unknown_method, base_offset, method.key());
    }
#undef AMQPPROX_DECODE_CASE
}

Result<void> encode_method(const Method& method, Bytes& out) {
    const auto original_size = out.size();
    Writer w(out);
    std::visit(
        [&w](const auto& m) {
            w.u16(m.id.class_id);
            w.u16(m.id.method_id);
            visit_fields(m, EncodeVisitor{w});
        },
        method);
    if (!w.ok()) out.resize(original_size);
    return w.result();
}

}  // namespace amqpprox::amqp
