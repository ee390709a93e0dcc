#include "replay/runner.hpp"

#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "../capture/capture_test_support.hpp"
#include "formats/amqp/handshake.hpp"
#include "proxy/asio.hpp"  // first: the include-order fix Asio 1.18 needs with g++ 12
#include "replay_test_support.hpp"

using namespace amqpprox;
using namespace amqpprox::amqp;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// A broker that logs anyone in and opens channels, and answers nothing else: every other
// awaited reply times out.
class SilentBroker {
public:
    SilentBroker() : m_acceptor(m_io, {asio::ip::make_address("127.0.0.1"), 0}) {
        m_thread = std::thread([this] { serve(); });
    }
    ~SilentBroker() { m_thread.join(); }
    std::uint16_t port() const { return m_acceptor.local_endpoint().port(); }

private:
    void serve() {
        tcp::socket socket(m_io);
        boost::system::error_code ec;
        m_acceptor.accept(socket, ec);
        if (ec) return;
        FrameSplitter splitter(FrameSplitter::Start::protocol_header, 0);
        ServerHandshake handshake(ServerHandshake::Config{});
        bool open = false;
        std::array<std::byte, 4096> buffer;
        for (;;) {
            const auto n = socket.read_some(asio::buffer(buffer), ec);
            if (ec) return;
            splitter.feed(ByteView(buffer.data(), n));
            for (;;) {
                auto frame = splitter.next();
                if (!frame || !*frame) break;
                const auto& f = **frame;
                Bytes out;
                if (f.type == FrameType::protocol_header) {
                    out = handshake
                              .on_protocol_header(parse_protocol_header(f.payload).value().value())
                              .output;
                } else if (!open) {
                    auto step = handshake.on_frame(f);
                    out = step.output;
                    if (step.next == HandshakeStep::Next::done) {
                        append_method_frame(out, 0, ConnectionOpenOk{});
                        open = true;
                    }
                } else if (f.type == FrameType::method) {
                    const auto method = decode_method(f.payload).value();
                    if (std::holds_alternative<ChannelOpen>(method)) {
                        append_method_frame(out, f.channel, ChannelOpenOk{});
                    }
                }
                if (!out.empty()) asio::write(socket, asio::buffer(out), ec);
            }
        }
    }

    asio::io_context m_io;
    tcp::acceptor m_acceptor;
    std::thread m_thread;
};

}  // namespace

TEST_CASE("runner: a reply that never comes times out, reported, nothing hangs", "[replay]") {
    capture::test::TempDir dir;
    const auto path = dir.file("r.amqpcap");
    replay::test::write_replay_session(path);
    analyze::SelectionOptions only_first;
    only_first.sessions = {"1"};
    auto opened = analyze::test::open(path, only_first);
    const auto plan = replay::build_plan(opened.inputs, opened.selection).value();

    SilentBroker broker;
    replay::RunOptions options{
        .target = {.host = "127.0.0.1", .port = broker.port()},
        .credentials = {"guest", "guest", "default"},
        .timeout_ms = 300,
        .vhost = [](const replay::SessionPlan& s) { return s.vhost; },
    };
    const auto start = std::chrono::steady_clock::now();
    const auto report = replay::run_plan(plan, {}, options);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(took < std::chrono::seconds(5));
    REQUIRE(report.sessions.size() == 1);
    const auto& s = report.sessions[0];
    CHECK(s.status == replay::SessionStatus::different);
    CHECK(report.exit_code() == 1);
    CHECK(s.replayed_frames == 1);  // the channel.open-ok
    REQUIRE_FALSE(s.differences.empty());
    CHECK(s.differences[0].kind == replay::DifferenceKind::missing);
    CHECK(s.differences[0].recorded.starts_with("Connection.Close-Ok"));
    CHECK(std::any_of(s.notes.begin(), s.notes.end(), [](const std::string& n) {
        return n ==
               "timed out after 300 ms waiting for Queue.Declare-Ok #1 on channel 1 "
               "(server-name: queue amq.gen-A) before step 3";
    }));
}
