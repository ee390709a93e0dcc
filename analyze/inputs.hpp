// The inputs of an analysis: capture files grouped into series (the files of one rotation
// are one series, so a session that spans them is one session), their sessions merged per
// series, and their records merged into one time-ordered walk.
#pragma once

#include <compare>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "analyze/scratch_dir.hpp"
#include "capture/pcap_source.hpp"
#include "capture/reader.hpp"

namespace amqpprox::analyze {

struct SessionKey {
    std::uint32_t series = 0;  // index of the input series, from 0
    capture::SessionId id = 0;
    auto operator<=>(const SessionKey&) const = default;
};

struct SessionInfo {
    SessionKey key;
    std::string label;        // "17", or "2:17" when several series are read
    capture::SessionRow row;  // merged over the files of its series
};

struct InputError {
    std::string message;
};

// Which sessions and records an analysis looks at; `sessions` empty means all.
struct Selection {
    std::vector<SessionKey> sessions;
    capture::RecordFilter records;  // its `sessions` field is ignored: use `sessions` above
    bool frame_filters() const;     // anything beyond sessions and vhost is set
};

class InputSet {
public:
    // Capture files, and pcap/pcapng files (imported with `pcap` into a scratch capture that
    // lives as long as the set).
    static tl::expected<InputSet, InputError> open(const std::vector<std::string>& paths,
                                                   const capture::PcapImportOptions& pcap = {});

    std::size_t series_count() const { return m_series.size(); }
    // All sessions of all inputs by start time; `find` is by key.
    const std::vector<SessionInfo>& sessions() const { return m_sessions; }
    const SessionInfo* find(const SessionKey& key) const;
    // "17" or "2:17" (series from 1) to a key; nullopt when no such session exists.
    std::optional<SessionKey> parse_session(std::string_view text) const;

    // Sessions the selection keeps (its session list and vhost).
    std::vector<const SessionInfo*> selected_sessions(const Selection& selection) const;

    // Every selected record of every input in time order (ties keep input order); stops
    // when `visit` returns false. Returns the number of records visited.
    using Visitor = std::function<bool(const SessionInfo&, const capture::Record&)>;
    std::uint64_t for_each(const Selection& selection, const Visitor& visit) const;

    // Gaps of the selected sessions (and gaps of no session), in time order.
    struct GapInfo {
        const SessionInfo* session = nullptr;  // null: not tied to a session
        capture::Gap gap;
    };
    std::vector<GapInfo> gaps(const Selection& selection) const;

    // The files, for tools that read one file in its own way (the live tail of `trace`).
    struct File {
        std::string path;
        std::uint32_t series = 0;
        capture::CaptureReader reader;
        std::optional<capture::PcapImportStats> packets;  // a pcap: what its import read
    };
    const std::vector<File>& files() const { return m_files; }

    // What the user should know about the inputs that is not an error (a pcap cut short).
    const std::vector<std::string>& warnings() const { return m_warnings; }

private:
    // A pcap turned into a capture file in the scratch directory: its path and what was read.
    struct Imported {
        std::string path;
        capture::PcapImportStats stats;
    };
    tl::expected<Imported, InputError> import_packets(const std::string& pcap_path,
                                                      const capture::PcapImportOptions& pcap);

    static bool selects(const SessionInfo& session, const Selection& selection);

    // Where pcaps given as inputs are imported to; removed with the last copy of the set.
    std::shared_ptr<ScratchDir> m_scratch;  // first: its files outlive the readers on them
    std::vector<std::string> m_warnings;
    std::vector<File> m_files;
    std::vector<std::string> m_series;  // one name per series, for messages
    std::vector<SessionInfo> m_sessions;
    std::map<SessionKey, std::size_t> m_index;  // key -> position in m_sessions
};

}  // namespace amqpprox::analyze
