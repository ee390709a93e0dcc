// A private directory under the system's temporary directory, removed with everything in
// it when the object goes: where pcaps are imported for tools that read captures.
#pragma once

#include <filesystem>

namespace amqpprox::analyze {

class ScratchDir {
public:
    ScratchDir();  // throws std::system_error when no directory can be made
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

}  // namespace amqpprox::analyze
