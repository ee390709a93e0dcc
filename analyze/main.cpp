// amqp-analyze: parses the command line and hands over to the analyze library.
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "analyze/decode_stream.hpp"
#include "analyze/info.hpp"

int main(int argc, char** argv) {
    CLI::App app{"amqp-analyze: inspect AMQP 0.9.1 traffic recorded by amqpprox"};
    app.set_version_flag("--version", std::string("amqp-analyze ") + AMQPPROX_VERSION);
    app.require_subcommand(0, 1);

    amqpprox::analyze::DecodeOptions decode;
    std::string path;
    auto* decode_cmd = app.add_subcommand(
        "decode", "Print every frame of a raw AMQP byte stream (one direction of a connection)");
    decode_cmd->add_option("FILE", path, "Stream file, or - for standard input")->required();
    decode_cmd->add_flag("--json", decode.json, "One JSON object per frame");
    decode_cmd->add_option("--bodies", decode.body_preview,
                           "Show the first N printable bytes of each body");
    decode_cmd->add_flag("--show-secrets", decode.show_secrets,
                         "Print SASL passwords and secrets in clear");

    amqpprox::analyze::InfoOptions info;
    std::vector<std::string> captures;
    auto* info_cmd = app.add_subcommand(
        "info", "Describe capture files: format, policies, sessions, frames, time span, gaps");
    info_cmd->add_option("FILE", captures, "Capture files")->required();
    info_cmd->add_flag("--json", info.json, "One JSON object per file");

    CLI11_PARSE(app, argc, argv);
    if (app.get_subcommands().empty()) {
        std::cerr << app.help() << "amqp-analyze: a command is required (decode, info)\n";
        return 2;
    }
    if (info_cmd->parsed()) {
        int status = 0;
        for (std::size_t i = 0; i < captures.size(); ++i) {
            if (i > 0 && !info.json) std::cout << '\n';
            status = std::max(
                status, amqpprox::analyze::print_info(captures[i], std::cout, std::cerr, info));
        }
        return status;
    }

    if (path == "-")
        return amqpprox::analyze::decode_stream(std::cin, std::cout, std::cerr, decode);
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        std::cerr << "amqp-analyze: cannot open " << path << '\n';
        return 2;
    }
    return amqpprox::analyze::decode_stream(file, std::cout, std::cerr, decode);
}
