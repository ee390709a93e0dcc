// Cross-checks the project's method table against RabbitMQ's AMQP 0.9.1 spec file
// (amqp-rabbitmq-0.9.1.json): ids, names, argument names and types, content flags, and the
// basic properties. Exits 77 (skipped) when the file is not there: users do not have it.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "formats/amqp/content.hpp"
#include "formats/amqp/methods.hpp"

using namespace amqpprox::amqp;

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
    if (!ok) {
        ++failures;
        std::cerr << "MISMATCH: " << what << '\n';
    }
}

std::string snake(std::string name) {
    for (auto& c : name) {
        if (c == '-') c = '_';
    }
    return name;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || !std::filesystem::exists(argv[1])) {
        std::cout << "spec file not present (" << (argc < 2 ? "no path" : argv[1])
                  << "): cross-check skipped\n";
        return 77;
    }
    std::ifstream in(argv[1]);
    const auto spec = nlohmann::json::parse(in);
    std::map<std::string, std::string> domains;
    for (const auto& d : spec["domains"])
        domains[d[0]] = d[1];
    const auto type_of = [&](const nlohmann::json& arg) -> std::string {
        return arg.contains("type") ? arg["type"].get<std::string>()
                                    : domains.at(arg["domain"].get<std::string>());
    };

    std::size_t methods = 0;
    for (const auto& cls : spec["classes"]) {
        const std::string class_name = cls["name"];
        for (const auto& m : cls["methods"]) {
            ++methods;
            const MethodId id{cls["id"].get<std::uint16_t>(), m["id"].get<std::uint16_t>()};
            const std::string name = class_name + "." + m["name"].get<std::string>();
            const auto* ours = find_method(id);
            expect(ours != nullptr, name + " missing from our table");
            if (ours == nullptr) continue;
            expect(ours->name == name, name + " is named " + std::string(ours->name));
            expect(ours->has_content == m.value("content", false), name + " content flag");
            expect(ours->synchronous == m.value("synchronous", false), name + " synchronous flag");
            const auto& args = m["arguments"];
            expect(ours->fields.size() == args.size(), name + " argument count");
            for (std::size_t i = 0; i < std::min(args.size(), ours->fields.size()); ++i) {
                const auto field = ours->fields[i];
                expect(
                    field.name == snake(args[i]["name"]),
                    name + " argument " + std::to_string(i) + " name " + std::string(field.name));
                expect(to_string(field.kind) == type_of(args[i]),
                       name + "." + std::string(field.name) + " type " +
                           std::string(to_string(field.kind)) + " vs " + type_of(args[i]));
            }
        }
        if (class_name == "basic") {
            std::vector<std::pair<std::string, std::string>> props;
#define AMQPPROX_PROPERTY(KIND, NAME) props.emplace_back(#NAME, #KIND);
            AMQP_BASIC_PROPERTIES(AMQPPROX_PROPERTY)
#undef AMQPPROX_PROPERTY
            const auto& spec_props = cls["properties"];
            expect(props.size() == spec_props.size(), "basic property count");
            for (std::size_t i = 0; i < std::min(props.size(), spec_props.size()); ++i) {
                expect(props[i].first == snake(spec_props[i]["name"]),
                       "basic property " + props[i].first);
                std::string kind = props[i].second;
                for (auto& c : kind)
                    c = static_cast<char>(std::tolower(c));
                expect(kind == spec_props[i]["type"], "basic property type " + props[i].first);
            }
        }
    }
    expect(methods == kMethodCount, "spec has " + std::to_string(methods) + " methods");
    std::cout << "checked " << methods << " methods against " << argv[1] << ": " << failures
              << " mismatches\n";
    return failures == 0 ? 0 : 1;
}
