// Bytes of the frames queued for the writer thread: carved out of large blocks that never
// move, so views into them stay valid until clear(), and reused from batch to batch, so a
// frame costs no allocation of its own.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace amqpprox::capture {

class ByteArena {
public:
    // `size` contiguous bytes, valid until clear().
    std::byte* allocate(std::size_t size);
    // Forgets every allocation; keeps a few blocks for the next batch (an idle capture
    // should not hold a burst's worth of memory).
    void clear();

    static constexpr std::size_t kBlockBytes = std::size_t{1} << 20;
    static constexpr std::size_t kKeptBlocks = 8;

private:
    struct Block {
        std::unique_ptr<std::byte[]> data;
        std::size_t capacity = 0;
    };
    std::vector<Block> m_blocks;  // [0, m_current] hold this batch's bytes; the rest are spare
    std::size_t m_current = 0;
    std::size_t m_used = 0;  // of m_blocks[m_current]
};

}  // namespace amqpprox::capture
