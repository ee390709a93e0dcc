// amqpprox_ctl SOCKET COMMAND...: sends one control command to a running amqpprox and prints
// the reply until the proxy closes the connection (STAT LISTEN: until interrupted).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc < 3 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        std::fprintf(argc < 3 ? stderr : stdout,
                     "usage: amqpprox_ctl SOCKET COMMAND [ARGS...]\n"
                     "  e.g. amqpprox_ctl /tmp/amqpprox HELP\n");
        return argc < 3 ? 2 : 0;
    }
    const std::string path = argv[1];
    std::string command;
    for (int i = 2; i < argc; ++i) {
        if (i > 2) command += ' ';
        command += argv[i];
    }
    command += '\n';

    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) {
        std::fprintf(stderr, "amqpprox_ctl: socket path too long: %s\n", path.c_str());
        return 2;
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        std::fprintf(stderr,
                     "amqpprox_ctl: cannot connect to %s: %s (is amqpprox running with "
                     "--controlSocket %s?)\n",
                     path.c_str(), std::strerror(errno), path.c_str());
        return 1;
    }
    for (std::size_t sent = 0; sent < command.size();) {
        const auto n = ::write(fd, command.data() + sent, command.size() - sent);
        if (n <= 0) {
            std::fprintf(stderr, "amqpprox_ctl: sending to %s: %s\n", path.c_str(),
                         std::strerror(errno));
            return 1;
        }
        sent += static_cast<std::size_t>(n);
    }
    char buffer[4096];
    while (true) {
        const auto n = ::read(fd, buffer, sizeof buffer);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            std::fprintf(stderr, "amqpprox_ctl: reading from %s: %s\n", path.c_str(),
                         std::strerror(errno));
            return 1;
        }
        std::fwrite(buffer, 1, static_cast<std::size_t>(n), stdout);
        std::fflush(stdout);
    }
    ::close(fd);
    return 0;
}
