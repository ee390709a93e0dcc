// All 66 AMQP 0.9.1 methods as plain structs, generated from method_table.hpp, with their
// metadata (names, synchronous, replies, content) and a bounds-checked codec.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bytes.hpp"
#include "error.hpp"
#include "field_table.hpp"
#include "method_table.hpp"

namespace amqpprox::amqp {

struct MethodId {
    std::uint16_t class_id = 0;
    std::uint16_t method_id = 0;

    // class_id << 16 | method_id: the single number captures index by.
    constexpr std::uint32_t key() const { return std::uint32_t{class_id} << 16 | method_id; }
    static constexpr MethodId from_key(std::uint32_t key) {
        return {static_cast<std::uint16_t>(key >> 16), static_cast<std::uint16_t>(key)};
    }
    constexpr auto operator<=>(const MethodId&) const = default;
};

// The wire types of method arguments.
enum class FieldKind : std::uint8_t { Octet, Short, Long, LongLong, ShortStr, LongStr, Bit, Table };

std::string_view to_string(FieldKind kind);  // the spec's name: "octet", "shortstr", ...

// clang-format off
template <FieldKind K> struct FieldTypeOf;
template <> struct FieldTypeOf<FieldKind::Octet> { using type = std::uint8_t; };
template <> struct FieldTypeOf<FieldKind::Short> { using type = std::uint16_t; };
template <> struct FieldTypeOf<FieldKind::Long> { using type = std::uint32_t; };
template <> struct FieldTypeOf<FieldKind::LongLong> { using type = std::uint64_t; };
template <> struct FieldTypeOf<FieldKind::ShortStr> { using type = std::string; };
template <> struct FieldTypeOf<FieldKind::LongStr> { using type = std::string; };
template <> struct FieldTypeOf<FieldKind::Bit> { using type = bool; };
template <> struct FieldTypeOf<FieldKind::Table> { using type = FieldTable; };
// clang-format on

// Passed to field visitors so they can tell shortstr from longstr.
template <FieldKind K>
struct KindTag {
    static constexpr FieldKind kind = K;
};

// The method structs: ConnectionStart, ..., BasicPublish, ..., ConfirmSelectOk.
#define AMQPPROX_DECLARE_FIELD(KIND, NAME) FieldTypeOf<FieldKind::KIND>::type NAME{};
#define AMQPPROX_DECLARE_METHOD(STRUCT, CLASS, METHOD, NAME, SYNC, CONTENT, R1, R2, FIELDS) \
    struct STRUCT {                                                                         \
        static constexpr MethodId id{CLASS, METHOD};                                        \
        FIELDS                                                                              \
        bool operator==(const STRUCT&) const = default;                                     \
    };
AMQP_METHOD_TABLE(AMQPPROX_DECLARE_METHOD, AMQPPROX_DECLARE_FIELD)
#undef AMQPPROX_DECLARE_METHOD
#undef AMQPPROX_DECLARE_FIELD

// visit_fields(method, visitor) calls visitor(KindTag<K>{}, "field_name", method.field) for
// each argument in wire order.
#define AMQPPROX_VISIT_FIELD(KIND, NAME) visitor(KindTag<FieldKind::KIND>{}, #NAME, m.NAME);
#define AMQPPROX_DEFINE_VISIT(STRUCT, CLASS, METHOD, NAME, SYNC, CONTENT, R1, R2, FIELDS)     \
    template <typename Visitor>                                                               \
    void visit_fields([[maybe_unused]] STRUCT& m, [[maybe_unused]] Visitor&& visitor) {       \
        FIELDS                                                                                \
    }                                                                                         \
    template <typename Visitor>                                                               \
    void visit_fields([[maybe_unused]] const STRUCT& m, [[maybe_unused]] Visitor&& visitor) { \
        FIELDS                                                                                \
    }
AMQP_METHOD_TABLE(AMQPPROX_DEFINE_VISIT, AMQPPROX_VISIT_FIELD)
#undef AMQPPROX_DEFINE_VISIT
#undef AMQPPROX_VISIT_FIELD

namespace detail {
#define AMQPPROX_METHOD_TYPE(STRUCT, ...) , STRUCT
#define AMQPPROX_NO_FIELD(KIND, NAME)
#define AMQPPROX_APPLY(MACRO, ARGS) MACRO ARGS
#define AMQPPROX_DROP_FIRST(FIRST, ...) __VA_ARGS__
using MethodVariant = std::variant<AMQPPROX_APPLY(
    AMQPPROX_DROP_FIRST, (AMQP_METHOD_TABLE(AMQPPROX_METHOD_TYPE, AMQPPROX_NO_FIELD)))>;
#undef AMQPPROX_DROP_FIRST
#undef AMQPPROX_APPLY
#undef AMQPPROX_NO_FIELD
#undef AMQPPROX_METHOD_TYPE
}  // namespace detail

// Any one method; the alternatives are in table order.
using Method = detail::MethodVariant;
inline constexpr std::size_t kMethodCount = std::variant_size_v<Method>;

struct FieldInfo {
    FieldKind kind;
    std::string_view name;  // snake_case: "routing_key"
};

struct MethodInfo {
    MethodId id;
    std::string_view name;     // "basic.publish", as RabbitMQ names it
    std::string display_name;  // "Basic.Publish", as Wireshark shows it
    bool synchronous = false;  // expects one of `replies` (unless nowait is set)
    bool has_content = false;  // followed by a content header and body frames
    std::vector<MethodId> replies;
    std::vector<FieldInfo> fields;
};

// Every method, in table order (the order of Method's alternatives).
std::span<const MethodInfo> all_methods();
// nullptr for an id outside the table.
const MethodInfo* find_method(MethodId id);
const MethodInfo& info(const Method& method);
MethodId method_id(const Method& method);

// A method frame payload: class id, method id, arguments; no bytes may follow.
Result<Method> decode_method(ByteView payload, std::size_t base_offset = 0);
// Only the ids at the start of a method frame payload.
Result<MethodId> peek_method_id(ByteView payload, std::size_t base_offset = 0);
// Appends the method frame payload; on error `out` is left as it was.
Result<void> encode_method(const Method& method, Bytes& out);

}  // namespace amqpprox::amqp
