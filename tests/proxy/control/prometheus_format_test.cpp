#include "proxy/control/prometheus_format.hpp"

#include <catch2/catch.hpp>

using namespace amqpprox::control;

TEST_CASE("Prometheus label values and help texts are escaped", "[control]") {
    CHECK(escape_label_value("plain/vhost") == "plain/vhost");
    CHECK(escape_label_value(R"(a"b\c)") == R"(a\"b\\c)");
    CHECK(escape_label_value("two\nlines") == "two\\nlines");
    CHECK(escape_label_value("caf\xc3\xa9") == "caf\xc3\xa9");  // UTF-8 passes through
    CHECK(escape_help("a \"quoted\" \\ help\nline") == "a \"quoted\" \\\\ help\\nline");
}

TEST_CASE("a vhost name that needs escaping stays one sample line", "[control]") {
    MetricsSnapshot s;
    s.vhosts["we\"ird\\\nvhost"].active_connections = 1;
    const auto text = format_prometheus(s);
    CHECK(text.find("amqpprox_vhost_connections{vhost=\"we\\\"ird\\\\\\nvhost\"} 1\n") !=
          std::string::npos);
}

// Every family in order: HELP, TYPE, then samples sorted by label.
const std::string GOLDEN =
    R"golden(# HELP amqpprox_build_info Always 1; the version label says which amqpprox
# TYPE amqpprox_build_info gauge
amqpprox_build_info{version="1.2.3"} 1
# HELP amqpprox_sessions_accepted_total Client connections the listeners accepted
# TYPE amqpprox_sessions_accepted_total counter
amqpprox_sessions_accepted_total 7
# HELP amqpprox_sessions_refused_total Sessions that ended before their handshake finished (no route, no backend, the broker refused, a timeout, the client left early)
# TYPE amqpprox_sessions_refused_total counter
amqpprox_sessions_refused_total 1
# HELP amqpprox_sessions_ended_total Sessions ended, by reason (graceful: a Connection.Close or the proxy closed it; broker_snapped, client_snapped: that side's connection dropped without a Close)
# TYPE amqpprox_sessions_ended_total counter
amqpprox_sessions_ended_total{reason="graceful"} 3
amqpprox_sessions_ended_total{reason="broker_snapped"} 0
amqpprox_sessions_ended_total{reason="client_snapped"} 1
# HELP amqpprox_connections Client sessions open now
# TYPE amqpprox_connections gauge
amqpprox_connections 2
# HELP amqpprox_paused_connections Client sessions open now and paused
# TYPE amqpprox_paused_connections gauge
amqpprox_paused_connections 1
# HELP amqpprox_vhost_connections Client sessions open now, per vhost
# TYPE amqpprox_vhost_connections gauge
amqpprox_vhost_connections{vhost="/"} 2
# HELP amqpprox_vhost_paused_connections Client sessions open now and paused, per vhost
# TYPE amqpprox_vhost_paused_connections gauge
amqpprox_vhost_paused_connections{vhost="/"} 1
# HELP amqpprox_vhost_bytes_total Bytes passed through after the handshake, by direction (in: client to broker, out: broker to client)
# TYPE amqpprox_vhost_bytes_total counter
amqpprox_vhost_bytes_total{vhost="/",direction="in"} 1234
amqpprox_vhost_bytes_total{vhost="/",direction="out"} 5678
# HELP amqpprox_vhost_frames_total AMQP frames passed through after the handshake, by direction
# TYPE amqpprox_vhost_frames_total counter
amqpprox_vhost_frames_total{vhost="/",direction="in"} 10
amqpprox_vhost_frames_total{vhost="/",direction="out"} 12
# HELP amqpprox_vhost_packets_total Socket reads passed through after the handshake, by direction
# TYPE amqpprox_vhost_packets_total counter
amqpprox_vhost_packets_total{vhost="/",direction="in"} 4
amqpprox_vhost_packets_total{vhost="/",direction="out"} 6
# HELP amqpprox_vhost_sessions_ended_total Sessions ended, by reason (graceful: a Connection.Close or the proxy closed it; broker_snapped, client_snapped: that side's connection dropped without a Close)
# TYPE amqpprox_vhost_sessions_ended_total counter
amqpprox_vhost_sessions_ended_total{vhost="/",reason="graceful"} 3
amqpprox_vhost_sessions_ended_total{vhost="/",reason="broker_snapped"} 0
amqpprox_vhost_sessions_ended_total{vhost="/",reason="client_snapped"} 1
# HELP amqpprox_backend_connections Client sessions open now, per backend
# TYPE amqpprox_backend_connections gauge
amqpprox_backend_connections{backend="127.0.0.1:5672"} 2
# HELP amqpprox_backend_paused_connections Client sessions open now and paused, per backend
# TYPE amqpprox_backend_paused_connections gauge
amqpprox_backend_paused_connections{backend="127.0.0.1:5672"} 1
# HELP amqpprox_backend_bytes_total Bytes passed through after the handshake, by direction (in: client to broker, out: broker to client)
# TYPE amqpprox_backend_bytes_total counter
amqpprox_backend_bytes_total{backend="127.0.0.1:5672",direction="in"} 1234
amqpprox_backend_bytes_total{backend="127.0.0.1:5672",direction="out"} 5678
# HELP amqpprox_backend_frames_total AMQP frames passed through after the handshake, by direction
# TYPE amqpprox_backend_frames_total counter
amqpprox_backend_frames_total{backend="127.0.0.1:5672",direction="in"} 10
amqpprox_backend_frames_total{backend="127.0.0.1:5672",direction="out"} 12
# HELP amqpprox_backend_packets_total Socket reads passed through after the handshake, by direction
# TYPE amqpprox_backend_packets_total counter
amqpprox_backend_packets_total{backend="127.0.0.1:5672",direction="in"} 4
amqpprox_backend_packets_total{backend="127.0.0.1:5672",direction="out"} 6
# HELP amqpprox_backend_sessions_ended_total Sessions ended, by reason (graceful: a Connection.Close or the proxy closed it; broker_snapped, client_snapped: that side's connection dropped without a Close)
# TYPE amqpprox_backend_sessions_ended_total counter
amqpprox_backend_sessions_ended_total{backend="127.0.0.1:5672",reason="graceful"} 3
amqpprox_backend_sessions_ended_total{backend="127.0.0.1:5672",reason="broker_snapped"} 0
amqpprox_backend_sessions_ended_total{backend="127.0.0.1:5672",reason="client_snapped"} 1
# HELP amqpprox_capture_sessions_total Sessions a running capture records
# TYPE amqpprox_capture_sessions_total counter
amqpprox_capture_sessions_total{file="/var/cap/all.amqpcap"} 4
# HELP amqpprox_capture_frames_written_total Frames a running capture committed to its file
# TYPE amqpprox_capture_frames_written_total counter
amqpprox_capture_frames_written_total{file="/var/cap/all.amqpcap"} 120
# HELP amqpprox_capture_frames_dropped_total Frames a running capture lost to writer overflow (recorded as gaps)
# TYPE amqpprox_capture_frames_dropped_total counter
amqpprox_capture_frames_dropped_total{file="/var/cap/all.amqpcap"} 2
# HELP amqpprox_capture_frames_spooled Frames a running capture holds in its spool, to be written as rows once the host is quiet
# TYPE amqpprox_capture_frames_spooled gauge
amqpprox_capture_frames_spooled{file="/var/cap/all.amqpcap"} 0
# HELP amqpprox_capture_written_bytes_total Frame payload bytes a running capture committed to its file
# TYPE amqpprox_capture_written_bytes_total counter
amqpprox_capture_written_bytes_total{file="/var/cap/all.amqpcap"} 40960
# HELP amqpprox_capture_failed 1 when a running capture's writer stopped on a disk or database error
# TYPE amqpprox_capture_failed gauge
amqpprox_capture_failed{file="/var/cap/all.amqpcap"} 0
# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 20971520
# HELP process_virtual_memory_bytes Virtual memory size in bytes.
# TYPE process_virtual_memory_bytes gauge
process_virtual_memory_bytes 104857600
# HELP process_open_fds Number of open file descriptors.
# TYPE process_open_fds gauge
process_open_fds 17
# HELP process_max_fds Maximum number of open file descriptors.
# TYPE process_max_fds gauge
process_max_fds 1024
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1700000000.25
)golden";

TEST_CASE("GET /metrics body, golden", "[control]") {
    MetricsSnapshot s;
    s.version = "1.2.3";
    s.sessions_accepted = 7;
    s.sessions_refused = 1;
    s.overall.active_connections = 2;
    s.overall.paused_connections = 1;
    s.overall.ended_graceful = 3;
    s.overall.ended_client_snapped = 1;
    ViewTotals root;
    root.active_connections = 2;
    root.paused_connections = 1;
    root.traffic = {4, 10, 1234, 6, 12, 5678};
    root.ended_graceful = 3;
    root.ended_client_snapped = 1;
    s.vhosts["/"] = root;
    s.backends["127.0.0.1:5672"] = root;
    s.captures.push_back({"/var/cap/all.amqpcap", 4, 120, 2, 0, 40960, false});
    ProcessMetrics p;
    p.cpu_seconds = 12.5;
    p.resident_memory_bytes = 20971520;
    p.virtual_memory_bytes = 104857600;
    p.open_fds = 17;
    p.max_fds = 1024;
    p.start_time_seconds = 1700000000.25;
    s.process = p;
    CHECK(format_prometheus(s) == GOLDEN);
}
