// `trace FILE.pcap` straight from the packets prints what the trace of the pcap imported into
// a capture prints: the same lines in the same order, the same exit status and messages.
#include "analyze/pcap_trace.hpp"

#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include <catch2/catch.hpp>

#include "../capture/capture_test_support.hpp"
#include "analyze/inputs.hpp"
#include "analyze/trace.hpp"

namespace {

using namespace amqpprox;
using analyze::Selection;
using analyze::TraceOptions;

struct Printed {
    int status = 0;
    std::string out;
    std::string err;
    bool operator==(const Printed&) const = default;
};

capture::PcapImportOptions ports() {
    capture::PcapImportOptions pcap;
    pcap.ports.push_back(5797);  // the samples' broker, for the one picked up mid-stream
    return pcap;
}

Printed imported(const std::string& path, const Selection& selection, const TraceOptions& options) {
    auto inputs = analyze::InputSet::open({path}, ports());
    REQUIRE(inputs);
    std::ostringstream out, err;
    const int status = analyze::print_trace(*inputs, selection, options, out, err);
    return {status, out.str(), err.str()};
}

std::optional<Printed> direct(const std::string& path, const Selection& selection,
                              const TraceOptions& options) {
    std::ostringstream out, err;
    const auto status = analyze::trace_pcap_directly(path, ports(), selection, options, out, err);
    if (!status) return std::nullopt;
    return Printed{*status, out.str(), err.str()};
}

std::string sample(const std::string& name) {
    return std::string(AMQPPROX_SAMPLES_DIR) + "/pcap/" + name;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

// Calls `visit(offset of the record header)` for each packet of a classic pcap.
template <typename Visit>
void each_packet(const std::string& bytes, Visit visit) {
    for (std::size_t at = 24; at + 16 <= bytes.size();) {
        std::uint32_t caplen = 0;
        std::memcpy(&caplen, bytes.data() + at + 8, 4);
        visit(at);
        at += 16 + caplen;
    }
}

// pika_reorder.pcap swaps two packets, timestamps and all, so its time goes back (which
// the direct path leaves to the import). Reordered on the wire and captured in order, the
// later segment comes first with the earlier timestamp: out-of-order bytes held by the
// reassembler while later frames pass them.
std::string reordered_in_time(const capture::test::TempDir& dir) {
    auto bytes = read_all(sample("pika_reorder.pcap"));
    std::uint64_t last = 0;
    each_packet(bytes, [&](std::size_t at) {
        std::uint32_t sec = 0, usec = 0;
        std::memcpy(&sec, bytes.data() + at, 4);
        std::memcpy(&usec, bytes.data() + at + 4, 4);
        auto ts = std::uint64_t{sec} * 1'000'000 + usec;
        if (ts < last) ts = last;
        last = ts;
        sec = static_cast<std::uint32_t>(ts / 1'000'000);
        usec = static_cast<std::uint32_t>(ts % 1'000'000);
        std::memcpy(bytes.data() + at, &sec, 4);
        std::memcpy(bytes.data() + at + 4, &usec, 4);
    });
    const auto path = dir.file("reorder_in_time.pcap");
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

}  // namespace

TEST_CASE("trace of a pcap: straight from the packets as from the imported capture",
          "[analyze][pcap]") {
    capture::test::TempDir dir;
    for (const auto& path :
         {sample("pika_lo.pcap"), sample("pika_any.pcap"), sample("pika_loss.pcap"),
          sample("pika_midstream.pcap"), reordered_in_time(dir)}) {
        INFO(path);
        // The middle of the capture, for the time filters.
        auto inputs = analyze::InputSet::open({path}, ports());
        REQUIRE(inputs);
        REQUIRE_FALSE(inputs->sessions().empty());
        const auto& row = inputs->sessions().front().row;
        const auto middle = row.start.start_ns +
                            (row.end_ns.value_or(row.start.start_ns + 2) - row.start.start_ns) / 2;

        std::vector<std::pair<Selection, TraceOptions>> cases;
        cases.push_back({});
        cases.push_back({{}, {.format = analyze::OutputFormat::json, .heartbeats = true}});
        cases.push_back({{}, {.body_preview = 12}});
        Selection s;
        s.records.methods = {60u << 16 | 40u, 10u << 16 | 11u};  // Basic.Publish, Start-Ok
        cases.push_back({s, {}});
        s = {};
        s.records.channel = 1;
        cases.push_back({s, {.format = analyze::OutputFormat::json}});
        s = {};
        s.records.exchange = "";
        cases.push_back({s, {}});
        s = {};
        s.records.queue = "no such queue";
        cases.push_back({s, {}});
        s = {};
        s.records.from_ns = middle;
        cases.push_back({s, {}});
        s = {};
        s.records.to_ns = middle;
        cases.push_back({s, {.heartbeats = true}});
        for (std::size_t i = 0; i < cases.size(); ++i) {
            INFO("case " << i);
            const auto& [selection, options] = cases[i];
            const auto ours = direct(path, selection, options);
            REQUIRE(ours);
            const auto theirs = imported(path, selection, options);
            CHECK(ours->status == theirs.status);
            CHECK(ours->out == theirs.out);
            CHECK(ours->err == theirs.err);
        }
    }
}

TEST_CASE("trace of a pcap: files the direct path does not read go the import way",
          "[analyze][pcap]") {
    // pcapng and gzip are libpcap's to read; nothing is printed before saying so.
    for (const auto* name : {"pika_lo.pcapng", "pika_lo.pcap.gz", "pika_reorder.pcap"}) {
        INFO(name);
        CHECK_FALSE(direct(sample(name), {}, {}));
    }
    // Timestamps that go back would have the direct path print a line too early.
    auto bytes = read_all(sample("pika_lo.pcap"));
    REQUIRE(bytes.size() > 24 + 16);
    const auto second = 24 + 16 + [&] {
        std::uint32_t caplen = 0;
        std::memcpy(&caplen, bytes.data() + 24 + 8, 4);
        return caplen;
    }();
    std::uint32_t seconds = 0;
    std::memcpy(&seconds, bytes.data() + 24, 4);
    seconds -= 10;
    std::memcpy(bytes.data() + second, &seconds, 4);  // the second packet: 10 s before the first
    capture::test::TempDir dir;
    const auto back = dir.file("back.pcap");
    std::ofstream(back, std::ios::binary) << bytes;
    CHECK_FALSE(direct(back, {}, {}));
    // Cut short: libpcap reports where.
    const auto cut = dir.file("cut.pcap");
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() - 5);
    CHECK_FALSE(direct(cut, {}, {}));
}
