// Reading pcap, pcapng and gzip files through libpcap; clear errors for bad files.
#include "formats/pcap/pcap_file.hpp"

#include <filesystem>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "formats/pcap/link_layer.hpp"
#include "packet_builder.hpp"

using namespace amqpprox::pcap;
using namespace amqpprox::pcap::test;
namespace amqp = amqpprox::amqp;

namespace {

class TempDir {
public:
    TempDir() {
        m_path = std::filesystem::temp_directory_path() /
                 ("amqpprox-pcap-test-" + std::to_string(getpid()));
        std::filesystem::create_directories(m_path);
    }
    ~TempDir() { std::filesystem::remove_all(m_path); }
    std::string write(const std::string& name, amqp::ByteView bytes) const {
        const auto path = (m_path / name).string();
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
        return path;
    }

private:
    std::filesystem::path m_path;
};

std::vector<PcapRecord> two_records() {
    return {{1'700'000'000'123'456'789, ethernet(0x0800, ipv4({}, tcp({.payload = text("one")})))},
            {1'700'000'001'000'000'001, ethernet(0x0800, ipv4({}, tcp({.payload = text("two")})))}};
}

std::vector<CapturedPacket> read_all(PcapFile& file) {
    std::vector<CapturedPacket> out;
    while (true) {
        auto packet = file.next();
        REQUIRE(packet.has_value());
        if (!*packet) return out;
        out.push_back(**packet);
        // Views die with the next call: keep a copy for the checks.
        static std::vector<Bytes> keep;
        keep.emplace_back(out.back().bytes.begin(), out.back().bytes.end());
        out.back().bytes = keep.back();
    }
}

}  // namespace

TEST_CASE("pcap: pcap (us and ns) and pcapng files read through libpcap", "[pcap][unit]") {
    TempDir dir;
    const auto records = two_records();
    struct Case {
        const char* name;
        Bytes bytes;
        std::int64_t first_ts;
        std::int64_t second_ts;
    };
    const std::vector<Case> cases{
        {"us.pcap", pcap_file(1, records), 1'700'000'000'123'456'000, 1'700'000'001'000'000'000},
        {"ns.pcap", pcap_file(1, records, true), 1'700'000'000'123'456'789,
         1'700'000'001'000'000'001},
        {"ns.pcapng", pcapng_file(1, records), 1'700'000'000'123'456'789,
         1'700'000'001'000'000'001},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        auto file = PcapFile::open(dir.write(c.name, c.bytes));
        REQUIRE(file.has_value());
        CHECK(file->link_type() == link_type::ethernet);
        const auto packets = read_all(*file);
        REQUIRE(packets.size() == 2);
        CHECK(packets[0].ts_ns == c.first_ts);
        CHECK(packets[1].ts_ns == c.second_ts);
        CHECK(std::ranges::equal(packets[0].bytes, records[0].frame));
        CHECK(packets[1].wire_length == records[1].frame.size());
    }
}

TEST_CASE("pcap: gzip-compressed captures are read transparently", "[pcap][unit]") {
    TempDir dir;
    const Bytes plain = pcapng_file(276, two_records());
    const std::string path = dir.write("x.pcapng.gz", {});
    gzFile gz = gzopen(path.c_str(), "wb");
    REQUIRE(gz != nullptr);
    REQUIRE(gzwrite(gz, plain.data(), static_cast<unsigned>(plain.size())) ==
            static_cast<int>(plain.size()));
    REQUIRE(gzclose(gz) == Z_OK);

    auto file = PcapFile::open(path);
    REQUIRE(file.has_value());
    CHECK(file->link_type() == link_type::linux_sll2);
    CHECK(read_all(*file).size() == 2);
}

TEST_CASE("pcap: missing, non-capture and truncated files are clear errors", "[pcap][unit]") {
    TempDir dir;
    SECTION("missing") {
        auto file = PcapFile::open("/nonexistent/x.pcap");
        REQUIRE_FALSE(file.has_value());
        CHECK(file.error().code == FileErrc::cannot_open);
        CHECK(file.error().message == "/nonexistent/x.pcap: No such file or directory");
    }
    SECTION("not a capture") {
        const std::string text_file =
            dir.write("notes.txt", text("this is not a packet capture, just some text"));
        auto file = PcapFile::open(text_file);
        REQUIRE_FALSE(file.has_value());
        CHECK(file.error().code == FileErrc::not_a_capture);
        CHECK(file.error().message.starts_with(text_file + ": "));
    }
    SECTION("empty") {
        auto file = PcapFile::open(dir.write("empty.pcap", {}));
        REQUIRE_FALSE(file.has_value());
        CHECK(file.error().code == FileErrc::truncated);
    }
    SECTION("cut at every length") {
        for (const auto& whole : {pcap_file(1, two_records()), pcapng_file(1, two_records())}) {
            for (std::size_t size = 1; size < whole.size(); ++size) {
                INFO("cut at " << size);
                const Bytes cut(whole.begin(), whole.begin() + static_cast<long>(size));
                auto file = PcapFile::open(dir.write("cut.pcap", cut));
                std::optional<FileError> error;
                if (!file) {
                    error = file.error();
                } else {
                    while (true) {
                        auto packet = file->next();
                        if (!packet) {
                            error = packet.error();
                            break;
                        }
                        if (!*packet) break;
                    }
                }
                // A cut exactly between packets is a shorter, valid file.
                if (error) {
                    CHECK(error->code != FileErrc::cannot_open);
                    CHECK_FALSE(error->message.empty());
                }
            }
        }
    }
    SECTION("cut inside the second packet") {
        Bytes whole = pcap_file(1, two_records());
        whole.resize(whole.size() - 5);
        auto file = PcapFile::open(dir.write("cut.pcap", whole));
        REQUIRE(file.has_value());
        auto first = file->next();
        REQUIRE(first.has_value());
        REQUIRE(first->has_value());
        auto second = file->next();
        REQUIRE_FALSE(second.has_value());
        CHECK(second.error().code == FileErrc::truncated);
        CHECK(second.error().message.find("truncated") != std::string::npos);
    }
}

TEST_CASE("pcap: a pipe (as stdin would be) is read through, gzip or not", "[pcap][unit]") {
    TempDir dir;
    const std::string fifo = dir.write("fifo-placeholder", {}) + ".fifo";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    const Bytes plain = pcap_file(1, two_records());
    std::thread writer([&] {
        std::ofstream out(fifo, std::ios::binary);
        out.write(reinterpret_cast<const char*>(plain.data()), static_cast<long>(plain.size()));
    });
    auto file = PcapFile::open(fifo);
    REQUIRE(file.has_value());
    CHECK(read_all(*file).size() == 2);
    writer.join();
}

TEST_CASE("pcap: a cut gzip capture is an error, not a crash", "[pcap][unit]") {
    TempDir dir;
    Bytes plain = pcap_file(1, two_records());
    const std::string path = dir.write("whole.pcap.gz", {});
    gzFile gz = gzopen(path.c_str(), "wb");
    REQUIRE(gz != nullptr);
    REQUIRE(gzwrite(gz, plain.data(), static_cast<unsigned>(plain.size())) > 0);
    REQUIRE(gzclose(gz) == Z_OK);
    std::ifstream in(path, std::ios::binary);
    const std::string compressed{std::istreambuf_iterator<char>(in),
                                 std::istreambuf_iterator<char>()};
    for (std::size_t size = 2; size < compressed.size(); size += 7) {
        INFO("cut at " << size);
        auto file = PcapFile::open(
            dir.write("cut.pcap.gz", amqp::as_bytes(std::string_view(compressed).substr(0, size))));
        std::size_t packets = 0;
        std::optional<FileError> error;
        if (!file) {
            error = file.error();
        } else {
            while (true) {
                auto packet = file->next();
                if (!packet) {
                    error = packet.error();
                    break;
                }
                if (!*packet) break;
                ++packets;
            }
        }
        // The gzip trailer is the last 8 bytes: a cut before it loses packet bytes.
        if (size + 8 <= compressed.size() - 8) {
            REQUIRE(error.has_value());
            CHECK(error->code != FileErrc::cannot_open);
            CHECK(packets < 2);
        }
    }
}
