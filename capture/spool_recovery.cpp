#include "spool_recovery.hpp"

#include <filesystem>

#include "batch_rows.hpp"
#include "file_store.hpp"
#include "reader.hpp"
#include "spool_codec.hpp"
#include "spool_file.hpp"

namespace amqpprox::capture {

tl::expected<RecoveredSpool, std::string> recover_spool(const std::string& path) {
    std::vector<SessionRow> open_sessions;
    bool redact = true;
    {
        auto reader = CaptureReader::open(path);
        if (!reader) return tl::unexpected(reader.error().message);
        if (!std::filesystem::exists(spool_file_name(path))) return RecoveredSpool{};
        redact = reader->meta().redaction != "off";
        for (auto& session : reader->sessions()) {
            if (!session.end_ns) open_sessions.push_back(std::move(session));
        }
    }
    RecoveredSpool done;
    try {
        FileStore store(path, FileStore::Reopen{});
        // The sessions a spooled batch continues, as their rows stood when it was spooled.
        BatchRows rows(redact);
        for (const auto& session : open_sessions)
            rows.resume(session);
        Batch batch;
        while (true) {
            std::int64_t id = 0;
            std::string error;
            const bool found =
                store.read_oldest_spooled([&](std::int64_t row, amqp::ByteView blob) {
                    id = row;
                    if (auto decoded = decode_batch(blob, batch); !decoded) error = decoded.error();
                });
            if (!found) break;
            if (!error.empty()) {
                return tl::unexpected(path + ": spooled batch " + std::to_string(id) + ": " +
                                      error);
            }
            rows.write(store, batch, [&] { store.unspool(id); });
            ++done.batches;
            done.frames += batch.frames.size();
        }
        done.cut_bytes = store.spool_cut_bytes();
        store.close();
    } catch (const SqliteError& e) {  // also a spool file that cannot be read
        return tl::unexpected(std::string(e.what()));
    }
    return done;
}

}  // namespace amqpprox::capture
