#include "spool_recovery.hpp"

#include <filesystem>

#include "batch_rows.hpp"
#include "file_store.hpp"
#include "reader.hpp"
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
        Batch scratch;
        while (!store.spooled().empty()) {
            done.frames += rows.write_oldest_spooled(store, scratch);
            ++done.batches;
        }
        done.cut_bytes = store.spool_cut_bytes();
        store.close();
    } catch (const SqliteError& e) {  // also a spool that cannot be read or decoded
        return tl::unexpected(std::string(e.what()));
    }
    return done;
}

}  // namespace amqpprox::capture
