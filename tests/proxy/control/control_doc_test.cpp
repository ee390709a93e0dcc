// Runs every ```control example in docs/control.md through a fresh interpreter and checks the
// output lines exactly. "> CMD" lines are commands; the lines up to the next command are its
// output. A block opened with ```control canned runs against the fake target's canned sessions,
// stats and capture; a plain ```control block starts from an empty proxy. A ```statsd canned
// block lists StatsD lines that STAT SEND sends for the canned stats: each must be one of them.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "fake_target.hpp"
#include "proxy/control/command_interpreter.hpp"
#include "proxy/control/statsd_format.hpp"

using namespace amqpprox::control;

namespace {

struct Step {
    std::string command;
    std::vector<std::string> output;
};

struct Example {
    std::size_t line = 0;  // of the opening fence, for failure messages
    bool canned = false;
    std::vector<Step> steps;
};

std::vector<Example> read_examples(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in);
    std::vector<Example> examples;
    std::string line;
    std::size_t number = 0;
    bool inside = false;
    while (std::getline(in, line)) {
        ++number;
        if (!inside) {
            if (line == "```control" || line == "```control canned") {
                inside = true;
                examples.push_back(Example{number, line.ends_with("canned"), {}});
            }
            continue;
        }
        if (line == "```") {
            inside = false;
            continue;
        }
        auto& example = examples.back();
        if (line.starts_with("> ")) {
            example.steps.push_back(Step{line.substr(2), {}});
        } else {
            REQUIRE_FALSE(example.steps.empty());  // output before any command
            example.steps.back().output.push_back(line);
        }
    }
    REQUIRE_FALSE(inside);  // an unclosed block
    return examples;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        out.push_back(line);
    return out;
}

}  // namespace

TEST_CASE("every control example in docs/control.md gives the documented output", "[control]") {
    const auto examples = read_examples(AMQPPROX_SAMPLES_DIR "/../docs/control.md");
    REQUIRE(examples.size() >= 20);
    for (const auto& example : examples) {
        ConfigStore store;
        auto target =
            example.canned ? testing::FakeTarget::with_canned_data() : testing::FakeTarget{};
        CommandInterpreter interpreter(store, target, testing::fake_resolver());
        for (const auto& step : example.steps) {
            INFO("docs/control.md:" << example.line << ": > " << step.command);
            CHECK(lines(interpreter.execute(step.command).text) == step.output);
        }
    }
}

TEST_CASE("every StatsD example in docs/control.md is a line STAT SEND sends", "[control]") {
    std::ifstream in(AMQPPROX_SAMPLES_DIR "/../docs/control.md");
    REQUIRE(in);
    const auto sent = statsd_lines(testing::FakeTarget::with_canned_data().snapshot);
    std::size_t checked = 0;
    bool inside = false;
    std::size_t number = 0;
    for (std::string line; std::getline(in, line);) {
        ++number;
        if (!inside) {
            inside = line == "```statsd canned";
            continue;
        }
        if (line == "```") {
            inside = false;
            continue;
        }
        INFO("docs/control.md:" << number << ": " << line);
        CHECK(std::find(sent.begin(), sent.end(), line) != sent.end());
        ++checked;
    }
    CHECK(checked >= 5);
}
