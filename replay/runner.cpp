#include "runner.hpp"

#include <chrono>
#include <memory>

#include "driver.hpp"
#include "formats/amqp/handshake.hpp"
#include "proxy/asio.hpp"  // first: the include-order fix Asio 1.18 needs with g++ 12
#include "proxy/tls_context.hpp"
#include "recording.hpp"
#include "schedule_text.hpp"
#include "tls.hpp"

namespace amqpprox::replay {

namespace {

using namespace amqpprox::proxy;
using Clock = std::chrono::steady_clock;

// What the sessions of one run share: the launcher waits on `slot` for a free place.
struct Run {
    Run(const Plan& p, const RewriteRules& r, const RunOptions& o)
        : plan(p), rules(r), options(o), slot(io), results(p.sessions.size()) {}
    const Plan& plan;
    const RewriteRules& rules;
    const RunOptions& options;
    asio::io_context io;
    asio::steady_timer slot;
    std::shared_ptr<ssl::context> tls;  // amqps targets
    std::string tls_error;              // why `tls` could not be set up
    unsigned active = 0;
    Clock::time_point start;
    std::vector<SessionResult> results;
};

// One session's connection; the reader wakes the writer by cancelling `wake`.
struct Connection {
    Connection(asio::io_context& io, ssl::context* tls_context, const SessionPlan& p,
               const RewriteRules& rules, std::optional<double> speed)
        : plan(p), socket(io), wake(io), guard(io), driver(p, rules, speed) {
        if (tls_context != nullptr)
            tls = std::make_unique<ssl::stream<tcp::socket>>(io, *tls_context);
    }
    const SessionPlan& plan;
    tcp::socket socket;                             // plain amqp
    std::unique_ptr<ssl::stream<tcp::socket>> tls;  // amqps: its own socket below
    tcp::socket& tcp_socket() { return tls ? tls->next_layer() : socket; }
    asio::steady_timer wake;
    asio::steady_timer guard;  // closes the socket when connecting takes too long
    amqp::FrameSplitter splitter{amqp::FrameSplitter::Start::frames, 0};
    SessionDriver driver;
    Clock::time_point start;
    capture::SessionId id = 0;  // in the --record capture
    bool reader_done = false;
    std::string reader_error;
    std::optional<SessionRecording> recording;  // --record

    std::int64_t elapsed() const {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
    }
};

// The next frame from the broker, or an error text.
awaitable<std::optional<std::string>> read_frame(std::shared_ptr<Connection> c,
                                                 amqp::Bytes* payload, amqp::FrameType* type,
                                                 std::uint16_t* channel) {
    std::array<std::byte, 16384> buffer;
    for (;;) {
        auto frame = c->splitter.next();
        if (!frame) co_return "broker sent a malformed frame: " + frame.error().message();
        if (*frame) {
            *type = (*frame)->type;
            *channel = (*frame)->channel;
            payload->assign((*frame)->payload.begin(), (*frame)->payload.end());
            if (c->recording) c->recording->received(*type, *channel, *payload);
            co_return std::nullopt;
        }
        boost::system::error_code ec;
        const auto n = c->tls ? co_await c->tls->async_read_some(
                                    asio::buffer(buffer), asio::redirect_error(use_awaitable, ec))
                              : co_await c->socket.async_read_some(
                                    asio::buffer(buffer), asio::redirect_error(use_awaitable, ec));
        // A TLS broker that closes without close_notify leaves the stream "truncated".
        if (ec == asio::error::eof || ec == ssl::error::stream_truncated)
            co_return "the broker closed the connection";
        if (ec) co_return ec.message();
        c->splitter.feed(amqp::ByteView(buffer.data(), n));
    }
}

// Writes to the broker, recording what goes out first (--record).
awaitable<boost::system::error_code> write(std::shared_ptr<Connection> c, amqp::ByteView bytes) {
    if (c->recording) c->recording->sent(bytes);
    boost::system::error_code ec;
    if (c->tls) {
        co_await asio::async_write(*c->tls, asio::buffer(bytes.data(), bytes.size()),
                                   asio::redirect_error(use_awaitable, ec));
    } else {
        co_await asio::async_write(c->socket, asio::buffer(bytes.data(), bytes.size()),
                                   asio::redirect_error(use_awaitable, ec));
    }
    co_return ec;
}

awaitable<void> reader(std::shared_ptr<Connection> c) {
    amqp::Bytes payload;
    amqp::FrameType type{};
    std::uint16_t channel = 0;
    for (;;) {
        auto error = co_await read_frame(c, &payload, &type, &channel);
        if (error) {
            c->reader_error = *error;
            break;
        }
        c->driver.on_broker_frame(type, channel, payload, c->elapsed());
        c->wake.cancel();
    }
    c->reader_done = true;
    c->wake.cancel();
}

// Waits until `deadline` or a wake-up; true when the deadline passed.
awaitable<bool> wait_until(std::shared_ptr<Connection> c, Clock::time_point deadline) {
    c->wake.expires_at(deadline);
    boost::system::error_code ec;
    co_await c->wake.async_wait(asio::redirect_error(use_awaitable, ec));
    co_return !ec;
}

// Connects and logs in; an error text when that fails.
awaitable<std::optional<std::string>> open(std::shared_ptr<Connection> c, const Run* run) {
    const auto& o = run->options;
    const auto where = o.target.host + ":" + std::to_string(o.target.port);
    c->guard.expires_after(std::chrono::milliseconds(o.timeout_ms));
    c->guard.async_wait([c](const boost::system::error_code& ec) {
        if (!ec) {
            boost::system::error_code ignored;
            c->tcp_socket().close(ignored);
        }
    });
    tcp::resolver resolver(c->tcp_socket().get_executor());
    boost::system::error_code ec;
    auto endpoints = co_await resolver.async_resolve(o.target.host, std::to_string(o.target.port),
                                                     asio::redirect_error(use_awaitable, ec));
    if (ec) co_return "cannot resolve " + o.target.host + ": " + ec.message();
    co_await asio::async_connect(c->tcp_socket(), endpoints,
                                 asio::redirect_error(use_awaitable, ec));
    if (ec) co_return "cannot connect to " + where + ": " + ec.message();
    // Steps are small writes in a row: Nagle would hold each one for the previous one's ACK.
    c->tcp_socket().set_option(tcp::no_delay(true), ec);
    if (c->tls) {
        if (auto ok =
                proxy::prepare_client_tls(c->tls->native_handle(), o.target.host, !o.tls.insecure);
            !ok)
            co_return ok.error();
        co_await c->tls->async_handshake(ssl::stream_base::client,
                                         asio::redirect_error(use_awaitable, ec));
        if (ec) co_return describe_handshake_error(ec, where, o.tls.insecure);
    }
    if (o.record != nullptr) {
        const auto endpoint_text = [](const tcp::endpoint& e) {
            const auto address = e.address().to_string();
            return (e.address().is_v6() ? "[" + address + "]" : address) + ":" +
                   std::to_string(e.port());
        };
        boost::system::error_code local_ec;
        boost::system::error_code remote_ec;
        const auto local = c->tcp_socket().local_endpoint(local_ec);
        const auto remote = c->tcp_socket().remote_endpoint(remote_ec);
        c->recording.emplace(*o.record, c->id, local_ec ? std::string() : endpoint_text(local),
                             remote_ec ? where : endpoint_text(remote), o.target.tls);
    }

    amqp::ConnectionStartOk start_ok{.mechanism = "PLAIN", .locale = "en_US"};
    start_ok.client_properties.entries.push_back(
        {"product", amqp::FieldValue{std::string("amqp-replay")}});
    start_ok.response =
        std::string(1, '\0') + o.credentials.user + std::string(1, '\0') + o.credentials.password;
    // No heartbeats: the replay's pauses are the recording's, not idleness.
    amqp::ClientHandshake handshake({.start_ok = start_ok,
                                     .tuned = {.channel_max = 2047, .frame_max = 131072},
                                     .open = {.virtual_host = o.vhost(c->plan)}});
    const auto header = handshake.start();
    ec = co_await write(c, header);
    if (ec) co_return "cannot write to " + where + ": " + ec.message();
    amqp::Bytes payload;
    amqp::FrameType type{};
    std::uint16_t channel = 0;
    for (;;) {
        auto error = co_await read_frame(c, &payload, &type, &channel);
        if (error) co_return "handshake with " + where + " failed: " + *error;
        const auto step =
            handshake.on_frame({.type = type, .channel = channel, .payload = payload});
        if (!step.output.empty()) {
            ec = co_await write(c, step.output);
            if (ec) co_return "cannot write to " + where + ": " + ec.message();
        }
        if (step.next == amqp::HandshakeStep::Next::done) break;
        if (step.next == amqp::HandshakeStep::Next::close) {
            if (handshake.refusal()) {
                co_return "the broker refused the login: " +
                    std::to_string(handshake.refusal()->reply_code) + " " +
                    handshake.refusal()->reply_text;
            }
            co_return "handshake with " + where + " failed: " + step.close_text;
        }
    }
    c->guard.cancel();
    co_return std::nullopt;
}

awaitable<void> replay_session(Run* run, std::size_t index) {
    const auto& plan = run->plan.sessions[index];
    auto& result = run->results[index];
    result.label = plan.label;
    result.cut_in_recording = plan.cut;
    result.notes = plan.warnings;
    if (!plan.handshake_complete) {
        result.status = SessionStatus::skipped;
        result.error = "nothing to replay: the recording has no completed handshake";
        co_return;
    }
    if (run->options.target.tls && !run->tls) {
        result.status = SessionStatus::error;
        result.error = run->tls_error;
        co_return;
    }
    auto c = std::make_shared<Connection>(run->io, run->tls ? &*run->tls : nullptr, plan,
                                          run->rules, run->options.speed);
    c->id = index + 1;
    auto error = co_await open(c, run);
    c->guard.cancel();  // a pending guard would keep the run alive until it fires
    if (error) {
        if (c->recording) c->recording->end(capture::ClosedBy::broker);
        result.status = SessionStatus::error;
        result.error = *error;
        co_return;
    }
    c->start = Clock::now();
    asio::co_spawn(run->io, reader(c), asio::detached);

    const auto timeout = std::chrono::milliseconds(run->options.timeout_ms);
    std::optional<std::size_t> waiting_step;
    Clock::time_point wait_deadline;
    bool stopped = false;  // timed out: what is still missing will not come either
    boost::system::error_code ec;
    for (;;) {
        auto action = c->driver.next(c->elapsed());
        using Kind = DriverAction::Kind;
        if (action.kind == Kind::send) {
            waiting_step.reset();
            // Steps ready together go out in one write. Asking the driver again only
            // advances it when it sends; anything else it will answer again next time.
            while (action.bytes.size() < 65536) {
                auto more = c->driver.next(c->elapsed());
                if (more.kind != Kind::send) break;
                action.bytes.insert(action.bytes.end(), more.bytes.begin(), more.bytes.end());
            }
            ec = co_await write(c, action.bytes);
            if (ec) {
                result.notes.push_back("writing failed: " + ec.message());
                break;
            }
        } else if (action.kind == Kind::sleep_until) {
            co_await wait_until(c, c->start + std::chrono::nanoseconds(action.at_ns));
        } else if (action.kind == Kind::wait_broker) {
            if (c->reader_done) {
                result.notes.push_back("step " + std::to_string(action.step + 1) +
                                       " and later not sent: " + c->reader_error + " before " +
                                       describe(*action.wait));
                break;
            }
            if (waiting_step != action.step) {
                waiting_step = action.step;
                wait_deadline = Clock::now() + timeout;
            }
            if (Clock::now() >= wait_deadline) {
                result.notes.push_back("timed out after " +
                                       std::to_string(run->options.timeout_ms) +
                                       " ms waiting for " + describe(*action.wait) +
                                       " before step " + std::to_string(action.step + 1));
                stopped = true;
                break;
            }
            co_await wait_until(c, wait_deadline);
        } else {
            break;
        }
    }
    // The rest of the broker's answer: until it closes, answers the session's Close, or has
    // sent as many frames as the recording holds.
    const auto deadline = Clock::now() + timeout;
    while (!stopped && !c->reader_done && !c->driver.close_ok_received() &&
           c->driver.received().size() < plan.expected.size() && Clock::now() < deadline) {
        co_await wait_until(c, deadline);
    }
    const auto replay_ns = c->elapsed();
    c->tcp_socket().close(ec);
    if (c->recording) {
        c->recording->end(c->driver.connection_closed() || c->reader_done
                              ? capture::ClosedBy::broker
                              : capture::ClosedBy::client);
    }
    auto compared =
        compare_session(plan.label, plan.expected, c->driver.received(), run->options.diff);
    result.status = compared.status;
    result.recorded_frames = compared.recorded_frames;
    result.replayed_frames = compared.replayed_frames;
    result.differences = std::move(compared.differences);
    for (const auto& n : c->driver.notes())
        result.notes.push_back(n);
    result.latencies = c->driver.latencies();
    result.replay_ns = replay_ns;
}

awaitable<void> launch(Run* run) {
    for (std::size_t i = 0; i < run->plan.sessions.size(); ++i) {
        if (run->options.speed) {
            const auto at =
                static_cast<double>(run->plan.sessions[i].start_offset_ns) / *run->options.speed;
            const auto due = run->start + std::chrono::nanoseconds(static_cast<std::int64_t>(at));
            // Finishing sessions cancel `slot` too: wait again until the start is due.
            while (Clock::now() < due) {
                run->slot.expires_at(due);
                boost::system::error_code ec;
                co_await run->slot.async_wait(asio::redirect_error(use_awaitable, ec));
            }
        }
        while (run->active >= run->options.concurrency) {
            run->slot.expires_at(Clock::time_point::max());
            boost::system::error_code ec;
            co_await run->slot.async_wait(asio::redirect_error(use_awaitable, ec));
        }
        ++run->active;
        asio::co_spawn(run->io, replay_session(run, i), [run, i](std::exception_ptr e) {
            if (e) {
                auto& r = run->results[i];
                r.status = SessionStatus::error;
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    r.error = std::string("internal error: ") + ex.what();
                } catch (...) {
                    r.error = "internal error";
                }
            }
            --run->active;
            run->slot.cancel();
        });
    }
}

}  // namespace

Report run_plan(const Plan& plan, const RewriteRules& rules, const RunOptions& options) {
    Run run(plan, rules, options);
    if (options.target.tls) {
        if (auto context =
                proxy::make_client_tls_context(options.tls.ca_file, options.tls.insecure)) {
            run.tls = std::move(*context);
        } else {
            run.tls_error = context.error();
        }
    }
    run.start = Clock::now();
    asio::co_spawn(run.io, launch(&run), asio::detached);
    run.io.run();
    return {std::move(run.results)};
}

}  // namespace amqpprox::replay
