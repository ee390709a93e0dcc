// Helpers for the capture tests: frames of the recorded samples, temporary directories.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "capture/record.hpp"
#include "formats/amqp/frame.hpp"

namespace amqpprox::capture::test {

struct SampleFrame {
    Direction direction;
    amqp::FrameType type;
    std::uint16_t channel;
    amqp::Bytes payload;
};

inline amqp::Bytes read_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> chars{std::istreambuf_iterator<char>(in), {}};
    amqp::Bytes out(chars.size());
    for (std::size_t i = 0; i < chars.size(); ++i)
        out[i] = static_cast<std::byte>(chars[i]);
    return out;
}

// The frames of one recorded connection, client stream first, then the broker's.
inline std::vector<SampleFrame> sample_frames(const std::string& name) {
    std::vector<SampleFrame> frames;
    const auto dir = std::filesystem::path(AMQPPROX_SAMPLES_DIR) / "amqp";
    for (const auto direction : {Direction::client_to_broker, Direction::broker_to_client}) {
        const bool client = direction == Direction::client_to_broker;
        const auto bytes = read_bytes(dir / (name + (client ? ".client.bin" : ".server.bin")));
        amqp::FrameSplitter splitter(client ? amqp::FrameSplitter::Start::protocol_header
                                            : amqp::FrameSplitter::Start::frames,
                                     0);
        splitter.feed(bytes);
        while (auto frame = splitter.next().value()) {
            frames.push_back({direction, frame->type, frame->channel,
                              amqp::Bytes(frame->payload.begin(), frame->payload.end())});
        }
    }
    return frames;
}

// A fresh directory removed at scope exit.
class TempDir {
public:
    TempDir() {
        std::random_device rd;
        m_path = std::filesystem::temp_directory_path() /
                 ("amqpprox-test-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(m_path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    std::string file(const std::string& name) const { return (m_path / name).string(); }
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

// Every byte of the files of a capture (database, and a write-ahead log if one is left).
inline std::string raw_file_bytes(const std::string& path) {
    std::string all;
    for (const auto& p : {path, path + "-wal"}) {
        if (!std::filesystem::exists(p)) continue;
        std::ifstream in(p, std::ios::binary);
        all.append(std::istreambuf_iterator<char>(in), {});
    }
    return all;
}

// The method and indexed arguments of `actual` (a Record, or a FrameRow's views) are those
// of `expected`.
template <typename Actual>
void check_indexed_arguments(const Actual& actual, const Record& expected) {
    CHECK(actual.method == expected.method);
    CHECK(actual.exchange == expected.exchange);
    CHECK(actual.routing_key == expected.routing_key);
    CHECK(actual.queue == expected.queue);
    CHECK(actual.consumer_tag == expected.consumer_tag);
    CHECK(actual.delivery_tag == expected.delivery_tag);
}

}  // namespace amqpprox::capture::test
