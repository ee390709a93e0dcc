#include "byte_arena.hpp"

#include <algorithm>

namespace amqpprox::capture {

std::byte* ByteArena::allocate(std::size_t size) {
    if (!m_blocks.empty() && m_blocks[m_current].capacity - m_used >= size) {
        auto* p = m_blocks[m_current].data.get() + m_used;
        m_used += size;
        return p;
    }
    // The next block: a spare one when it is big enough, else a new one (a frame bigger
    // than a block gets a block of its own).
    const std::size_t next = m_blocks.empty() ? 0 : m_current + 1;
    if (next == m_blocks.size() || m_blocks[next].capacity < size) {
        const auto capacity = std::max(size, kBlockBytes);
        m_blocks.insert(m_blocks.begin() + static_cast<std::ptrdiff_t>(next),
                        Block{std::make_unique_for_overwrite<std::byte[]>(capacity), capacity});
    }
    m_current = next;
    m_used = size;
    return m_blocks[m_current].data.get();
}

void ByteArena::clear() {
    // Oversized blocks go, and spare ones beyond kKeptBlocks.
    std::erase_if(m_blocks, [](const Block& b) { return b.capacity != kBlockBytes; });
    if (m_blocks.size() > kKeptBlocks) m_blocks.resize(kKeptBlocks);
    m_current = 0;
    m_used = 0;
}

}  // namespace amqpprox::capture
