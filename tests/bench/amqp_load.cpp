// A librabbitmq (rabbitmq-c) load generator: publishes N small messages to a queue as fast
// as the connection takes them, then consumes them (prefetch 1000, ack every 100, multiple),
// and prints messages/s for each phase. Used to compare the direct path, HAProxy and the
// proxy in one run.   amqp_load HOST PORT QUEUE MESSAGES BODY_BYTES [publish-only|connect]
// publish-only: no consume phase (the queue keeps the messages); prints the publish rate.
// connect: MESSAGES connections one after another, each logged in (to Open-Ok) and closed
// again; prints connections/s (the per-connection cost of a proxy in front of the broker).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <amqp.h>
#include <amqp_tcp_socket.h>

namespace {

using Clock = std::chrono::steady_clock;

void check_reply(amqp_rpc_reply_t reply, const char* what) {
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
        std::fprintf(stderr, "amqp_load: %s failed (reply type %d)\n", what, reply.reply_type);
        std::exit(1);
    }
}

// Opens and closes `count` connections in turn; returns connections/s.
double connect_loop(const char* host, int port, long count) {
    const auto start = Clock::now();
    for (long i = 0; i < count; ++i) {
        amqp_connection_state_t conn = amqp_new_connection();
        amqp_socket_t* socket = amqp_tcp_socket_new(conn);
        if (amqp_socket_open(socket, host, port) != AMQP_STATUS_OK) {
            std::fprintf(stderr, "amqp_load: cannot connect to %s:%d\n", host, port);
            std::exit(1);
        }
        check_reply(amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest"),
                    "login");
        check_reply(amqp_connection_close(conn, AMQP_REPLY_SUCCESS), "connection.close");
        amqp_destroy_connection(conn);
    }
    return static_cast<double>(count) / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    const bool publish_only = argc == 7 && std::string(argv[6]) == "publish-only";
    const bool connect_only = argc == 7 && std::string(argv[6]) == "connect";
    if (argc != 6 && !publish_only && !connect_only) {
        std::fprintf(stderr,
                     "usage: amqp_load HOST PORT QUEUE MESSAGES BODY_BYTES "
                     "[publish-only|connect]\n");
        return 2;
    }
    if (connect_only) {
        std::printf("%.0f\n", connect_loop(argv[1], std::atoi(argv[2]), std::atol(argv[4])));
        return 0;
    }
    const char* host = argv[1];
    const int port = std::atoi(argv[2]);
    const std::string queue = argv[3];
    const long messages = std::atol(argv[4]);
    const std::string body(static_cast<std::size_t>(std::atol(argv[5])), 'm');

    amqp_connection_state_t conn = amqp_new_connection();
    amqp_socket_t* socket = amqp_tcp_socket_new(conn);
    if (amqp_socket_open(socket, host, port) != AMQP_STATUS_OK) {
        std::fprintf(stderr, "amqp_load: cannot connect to %s:%d\n", host, port);
        return 1;
    }
    check_reply(amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest"),
                "login");
    amqp_channel_open(conn, 1);
    check_reply(amqp_get_rpc_reply(conn), "channel.open");
    const auto q = amqp_cstring_bytes(queue.c_str());
    amqp_queue_declare(conn, 1, q, 0, 0, 0, 0, amqp_empty_table);
    check_reply(amqp_get_rpc_reply(conn), "queue.declare");
    amqp_queue_purge(conn, 1, q);
    check_reply(amqp_get_rpc_reply(conn), "queue.purge");

    amqp_bytes_t payload{body.size(), const_cast<char*>(body.data())};
    const auto publish_start = Clock::now();
    for (long i = 0; i < messages; ++i) {
        if (amqp_basic_publish(conn, 1, amqp_empty_bytes, q, 0, 0, nullptr, payload) != 0) {
            std::fprintf(stderr, "amqp_load: publish failed\n");
            return 1;
        }
    }
    // A round trip so that every publish has reached the broker before the clock stops.
    amqp_queue_declare(conn, 1, q, 1, 0, 0, 0, amqp_empty_table);
    check_reply(amqp_get_rpc_reply(conn), "queue.declare (passive)");
    const double publish_s = std::chrono::duration<double>(Clock::now() - publish_start).count();
    if (publish_only) {
        amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
        amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
        amqp_destroy_connection(conn);
        std::printf("%.0f\n", static_cast<double>(messages) / publish_s);
        return 0;
    }

    amqp_basic_qos(conn, 1, 0, 1000, 0);
    check_reply(amqp_get_rpc_reply(conn), "basic.qos");
    amqp_basic_consume(conn, 1, q, amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    check_reply(amqp_get_rpc_reply(conn), "basic.consume");
    const auto consume_start = Clock::now();
    for (long i = 0; i < messages; ++i) {
        amqp_envelope_t envelope;
        amqp_maybe_release_buffers(conn);
        check_reply(amqp_consume_message(conn, &envelope, nullptr, 0), "consume");
        if ((i + 1) % 100 == 0 || i + 1 == messages) {
            amqp_basic_ack(conn, 1, envelope.delivery_tag, 1);
        }
        amqp_destroy_envelope(&envelope);
    }
    const double consume_s = std::chrono::duration<double>(Clock::now() - consume_start).count();
    amqp_queue_delete(conn, 1, q, 0, 0);
    amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);
    std::printf("%.0f %.0f\n", static_cast<double>(messages) / publish_s,
                static_cast<double>(messages) / consume_s);
    return 0;
}
