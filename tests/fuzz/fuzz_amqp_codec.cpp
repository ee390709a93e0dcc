// Fuzzes the frame splitter and scanner, method and content-header decoders, field tables,
// printers and the client handshake's read of a broker's Start. Oracles besides "no crash, no
// sanitizer report": whatever decodes re-encodes, and encoding is stable under a second decode
// (encode(decode(encode(decode(x)))) == encode(decode(x))); the scanner sees the frames and the
// error the splitter sees; the handshake's light read of a Start accepts every Start the full
// decoder accepts.
#include <cstdint>
#include <cstdlib>

#include "formats/amqp/content.hpp"
#include "formats/amqp/field_table.hpp"
#include "formats/amqp/frame.hpp"
#include "formats/amqp/frame_scanner.hpp"
#include "formats/amqp/handshake.hpp"
#include "formats/amqp/methods.hpp"
#include "formats/amqp/printer.hpp"

using namespace amqpprox::amqp;

namespace {

void check(bool condition) {
    if (!condition) std::abort();
}

template <typename Decode, typename Encode>
void round_trip(ByteView payload, Decode decode, Encode encode) {
    auto first = decode(payload);
    if (!first) return;
    Bytes once;
    if (!encode(*first, once)) return;  // e.g. a value no encoder may write
    auto second = decode(ByteView(once));
    check(second.has_value());
    Bytes twice;
    check(encode(*second, twice).has_value());
    check(once == twice);
}

void fuzz_payload(FrameType type, ByteView payload) {
    if (type == FrameType::method) {
        round_trip(
            payload, [](ByteView p) { return decode_method(p); },
            [](const Method& m, Bytes& out) { return encode_method(m, out); });
        if (auto method = decode_method(payload)) {
            (void)to_text(*method);
            (void)to_json(*method);
        }
    } else if (type == FrameType::header) {
        round_trip(
            payload, [](ByteView p) { return decode_content_header(p); },
            [](const ContentHeader& h, Bytes& out) { return encode_content_header(h, out); });
        if (auto header = decode_content_header(payload)) (void)to_text(*header);
    }
}

// A method frame as the broker's first: the client handshake reads a Start for its mechanism
// list only, so it may accept a Start the decoder refuses, never the other way round.
void client_handshake_agrees(const FrameView& frame) {
    if (frame.type != FrameType::method) return;
    ClientHandshake client({.start_ok = ConnectionStartOk{.mechanism = "PLAIN"}});
    const auto step = client.on_frame(frame);
    const auto method = decode_method(frame.payload);
    if (method && std::holds_alternative<ConnectionStart>(*method)) {
        check(!step.close_text.starts_with("broker sent a malformed frame"));
    }
}

// A method frame as a client's Start-Ok: splicing the proxy's properties into its bytes gives
// what decoding it and encoding it again with them would, and never reads past a payload.
void start_ok_splice_agrees(const FrameView& frame) {
    if (frame.type != FrameType::method) return;
    FieldTable added;
    added.entries.push_back({"amqpprox_client", FieldValue{std::string("127.0.0.1:5000")}});
    const auto spliced = start_ok_frame_adding(frame.payload, added);
    const auto method = decode_method(frame.payload);
    if (!method || !std::holds_alternative<ConnectionStartOk>(*method)) return;
    auto start_ok = std::get<ConnectionStartOk>(*method);
    start_ok.client_properties.entries.push_back(added.entries.front());
    Bytes expected;
    append_method_frame(expected, 0, start_ok);
    // Re-encoding is exact only where decoding kept every byte: compare when it did.
    Bytes again;
    append_method_frame(again, 0, std::get<ConnectionStartOk>(*method));
    Bytes original;
    encode_frame(FrameType::method, 0, frame.payload, original);
    if (again != original) return;
    check(spliced.has_value() && *spliced == expected);
}

// A method frame as a client's first: the server handshake checks a Start-Ok without decoding
// its table, and must accept and refuse exactly what decoding accepts and refuses.
void server_handshake_agrees(const FrameView& frame) {
    if (frame.type != FrameType::method || frame.channel != 0) return;
    const auto id = peek_method_id(frame.payload);
    if (!id || *id != ConnectionStartOk::id) return;
    ServerHandshake server(ServerHandshake::Config{});
    server.on_protocol_header(kProtocolHeader091);
    const auto step = server.on_frame(frame);
    const auto method = decode_method(frame.payload, frame.offset + kFrameHeaderSize);
    if (method) {
        check(step.next == HandshakeStep::Next::more);
        check(server.mechanism() == std::get<ConnectionStartOk>(*method).mechanism);
    } else {
        check(step.next == HandshakeStep::Next::close);
        check(step.close_code == method.error().reply_code());
        check(step.close_text == method.error().message());
    }
}

// The scanner, fed in three uneven chunks, against the splitter fed the whole stream.
void scanner_agrees(ByteView input) {
    const std::uint32_t frame_max = 4096;
    FrameSplitter splitter(FrameSplitter::Start::frames, frame_max);
    splitter.feed(input);
    std::vector<FrameScanner::Frame> expected;
    std::optional<Error> expected_error;
    while (true) {
        auto frame = splitter.next();
        if (!frame) {
            expected_error = frame.error();
            break;
        }
        if (!*frame) break;
        const auto& f = **frame;
        std::optional<MethodId> id;
        if (f.type == FrameType::method) {
            if (auto peeked = peek_method_id(f.payload)) id = *peeked;
        }
        expected.push_back(
            {f.type, f.channel, static_cast<std::uint32_t>(f.payload.size()), id, f.offset});
    }
    FrameScanner scanner(frame_max);
    std::vector<FrameScanner::Frame> seen;
    std::optional<Error> error;
    const auto cut1 = input.size() / 3, cut2 = input.size() - input.size() / 5;
    for (const auto part :
         {input.first(cut1), input.subspan(cut1, cut2 - cut1), input.subspan(cut2)}) {
        error = scanner.scan(part, [&](const FrameScanner::Frame& f) { seen.push_back(f); });
        if (error) break;
    }
    check(seen == expected);
    check(error == expected_error);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView input(reinterpret_cast<const std::byte*>(data), size);

    // The stream as a peer would send it, in two chunks to exercise reassembly.
    const bool client = size > 0 && data[0] == 'A';
    FrameSplitter splitter(
        client ? FrameSplitter::Start::protocol_header : FrameSplitter::Start::frames,
        kDefaultFrameMax);
    const auto half = size / 2;
    splitter.feed(input.first(half));
    for (int round = 0; round < 2; ++round) {
        while (true) {
            auto frame = splitter.next();
            if (!frame || !*frame) break;
            fuzz_payload((*frame)->type, (*frame)->payload);
            client_handshake_agrees(**frame);
            start_ok_splice_agrees(**frame);
            server_handshake_agrees(**frame);
        }
        if (round == 0) splitter.feed(input.subspan(half));
    }

    scanner_agrees(input);

    // The whole input as one payload and as a field table, too.
    fuzz_payload(FrameType::method, input);
    fuzz_payload(FrameType::header, input);
    if (auto table = decode_field_table(input)) {
        (void)to_text(*table);
        auto bytes = encode_field_table(*table);
        if (bytes) check(encode_field_table(decode_field_table(*bytes).value()).value() == *bytes);
    }
    return 0;
}
