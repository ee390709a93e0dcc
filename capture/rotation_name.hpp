// How the files of a rotation are named: NAME.EXT is written as NAME.0001.EXT, NAME.0002.EXT,
// ... The writer names them, the tools find a rotation's files and the next one from them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace amqpprox::capture {

// ("dir/cap.amqpcap", 3) -> "dir/cap.0003.amqpcap"
std::string rotation_file_name(const std::string& base, std::uint64_t index);

struct RotationMember {
    std::string base;  // "dir/cap.amqpcap"
    std::uint64_t index = 0;
};
// "dir/cap.0003.amqpcap" -> {"dir/cap.amqpcap", 3}; nullopt for a name outside a rotation.
std::optional<RotationMember> parse_rotation_file_name(const std::string& path);

}  // namespace amqpprox::capture
