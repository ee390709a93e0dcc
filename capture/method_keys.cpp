#include "method_keys.hpp"

#include "formats/amqp/methods.hpp"
#include "formats/amqp/reader.hpp"
#include "frame_facts.hpp"

namespace amqpprox::capture {
namespace {

constexpr std::uint32_t kConnectionClass = 10;

// Reads each argument as amqp::decode_method does, keeping views of the indexed ones.
struct InPlaceKeys {
    amqp::Reader& r;
    FrameRow& keys;
    bool& has_table;

    template <amqp::FieldKind K, typename T>
    void operator()(amqp::KindTag<K>, std::string_view name, const T&) const {
        using amqp::FieldKind;
        if constexpr (K == FieldKind::Octet) r.u8();
        if constexpr (K == FieldKind::Short) r.u16();
        if constexpr (K == FieldKind::Long) r.u32();
        if constexpr (K == FieldKind::LongLong) {
            set_indexed_number(keys, name, r.u64());
        }
        if constexpr (K == FieldKind::ShortStr || K == FieldKind::LongStr) {
            set_indexed_text(keys, name, K == FieldKind::ShortStr ? r.short_str() : r.long_str());
        }
        if constexpr (K == FieldKind::Bit) r.bit();
        if constexpr (K == FieldKind::Table) has_table = true;  // decoded whole instead
    }
};

// False when S has a field table: the caller decodes the method whole.
template <typename S>
bool read_in_place(amqp::ByteView payload, FrameRow& row) {
    amqp::Reader r(payload);
    r.u16();  // class and method ids, read by the caller
    r.u16();
    FrameRow keys;
    bool has_table = false;
    const S method{};
    amqp::visit_fields(method, InPlaceKeys{r, keys, has_table});
    if (has_table) return false;
    if (!r.ok() || !r.at_end()) return true;  // does not decode: no arguments
    row.exchange = keys.exchange;
    row.routing_key = keys.routing_key;
    row.queue = keys.queue;
    row.consumer_tag = keys.consumer_tag;
    row.delivery_tag = keys.delivery_tag;
    return true;
}

// False for a method outside the table or with a field table.
bool read_known_in_place(std::uint32_t key, amqp::ByteView payload, FrameRow& row) {
#define AMQPPROX_KEYS_CASE(STRUCT, CLASS, METHOD, ...) \
    case amqp::MethodId{CLASS, METHOD}.key():          \
        return read_in_place<amqp::STRUCT>(payload, row);
#define AMQPPROX_NO_FIELD(KIND, NAME)
    switch (key) {
        AMQP_METHOD_TABLE(AMQPPROX_KEYS_CASE, AMQPPROX_NO_FIELD)
        default:
            return false;
    }
#undef AMQPPROX_NO_FIELD
#undef AMQPPROX_KEYS_CASE
}

}  // namespace

void read_method_keys(amqp::ByteView payload, FrameRow& row, Record& spill) {
    const auto id = amqp::peek_method_id(payload);
    if (!id) return;
    row.method = id->key();
    if (id->class_id == kConnectionClass) return;
    if (read_known_in_place(id->key(), payload, row)) return;
    const auto method = amqp::decode_method(payload);
    if (!method) return;
    extract_indexed_arguments(*method, spill);
    row.exchange = spill.exchange;
    row.routing_key = spill.routing_key;
    row.queue = spill.queue;
    row.consumer_tag = spill.consumer_tag;
    row.delivery_tag = spill.delivery_tag;
}

}  // namespace amqpprox::capture
