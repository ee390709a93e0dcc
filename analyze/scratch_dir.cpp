#include "scratch_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <system_error>

namespace amqpprox::analyze {

ScratchDir::ScratchDir() {
    auto pattern = (std::filesystem::temp_directory_path() / "amqp-analyze.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    m_path = pattern;
}

ScratchDir::~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

}  // namespace amqpprox::analyze
