#include "spool_recovery.hpp"

#include "batch_rows.hpp"
#include "file_store.hpp"
#include "reader.hpp"
#include "spool_codec.hpp"

namespace amqpprox::capture {

tl::expected<RecoveredSpool, std::string> recover_spool(const std::string& path) {
    std::vector<SessionRow> open_sessions;
    bool redact = true;
    {
        auto reader = CaptureReader::open(path);
        if (!reader) return tl::unexpected(reader.error().message);
        if (reader->spooled_frames() == 0) return RecoveredSpool{};
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
                return tl::unexpected(path + ": spool row " + std::to_string(id) + ": " + error);
            }
            rows.write(store, batch, [&] { store.unspool(id); });
            ++done.batches;
            done.frames += batch.frames.size();
        }
        store.close();
    } catch (const SqliteError& e) {
        return tl::unexpected(std::string(e.what()));
    }
    return done;
}

}  // namespace amqpprox::capture
