#include "rotation_name.hpp"

#include <charconv>
#include <cstdio>
#include <filesystem>

namespace amqpprox::capture {

std::string rotation_file_name(const std::string& base, std::uint64_t index) {
    const std::filesystem::path p(base);
    char number[24];
    std::snprintf(number, sizeof number, ".%04llu", static_cast<unsigned long long>(index));
    return (p.parent_path() / (p.stem().string() + number + p.extension().string())).string();
}

namespace {

std::optional<std::uint64_t> index_of(std::string_view digits) {
    std::uint64_t index = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (digits.size() < 4 || ec != std::errc() || end != digits.data() + digits.size())
        return std::nullopt;
    return index;
}

}  // namespace

std::optional<RotationMember> parse_rotation_file_name(const std::string& path) {
    const std::filesystem::path p(path);
    const auto stem = p.stem().string();            // "cap.0003" of "cap.0003.amqpcap"
    const auto extension = p.extension().string();  // ".0003" of "cap.0003" (a base without one)
    std::optional<RotationMember> member;
    if (const auto dot = stem.rfind('.'); dot != std::string::npos) {
        if (const auto index = index_of(std::string_view(stem).substr(dot + 1)))
            member = RotationMember{(p.parent_path() / (stem.substr(0, dot) + extension)).string(),
                                    *index};
    } else if (const auto index = extension.empty()
                                      ? std::nullopt
                                      : index_of(std::string_view(extension).substr(1))) {
        member = RotationMember{(p.parent_path() / stem).string(), *index};
    }
    // Only names the writer would have made: "cap.12345.amqpcap" but not "cap.0012x.amqpcap".
    if (member && rotation_file_name(member->base, member->index) != path) return std::nullopt;
    return member;
}

}  // namespace amqpprox::capture
