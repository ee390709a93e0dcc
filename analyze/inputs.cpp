#include "inputs.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <queue>
#include <system_error>

#include "capture/pcap_source.hpp"
#include "capture/rotation_name.hpp"

namespace amqpprox::analyze {
namespace {

namespace fs = std::filesystem;
using capture::CaptureReader;
using capture::SessionRow;

// A name that does not exist but whose rotation files do ("cap.amqpcap" for
// "cap.0001.amqpcap", ...) stands for those files, in order.
std::vector<std::string> expand(const std::string& path) {
    std::error_code ec;
    if (fs::exists(path, ec)) return {path};
    const fs::path p(path);
    const auto dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    std::vector<std::pair<std::uint64_t, std::string>> members;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const auto candidate = (p.parent_path() / entry.path().filename()).string();
        if (auto member = capture::parse_rotation_file_name(candidate);
            member && member->base == path)
            members.emplace_back(member->index, candidate);
    }
    if (members.empty()) return {path};  // let open() say it is missing
    std::sort(members.begin(), members.end());
    std::vector<std::string> out;
    for (auto& [index, name] : members)
        out.push_back(std::move(name));
    return out;
}

void merge_into(SessionRow& into, const SessionRow& later) {
    auto keep = [](std::string& a, const std::string& b) {
        if (!b.empty()) a = b;
    };
    keep(into.start.backend, later.start.backend);
    keep(into.start.backend_address, later.start.backend_address);
    keep(into.vhost, later.vhost);
    keep(into.user, later.user);
    keep(into.connection_name, later.connection_name);
    if (later.client_properties != "{}") into.client_properties = later.client_properties;
    if (later.server_properties != "{}") into.server_properties = later.server_properties;
    into.end_ns = later.end_ns;
    if (later.close_code) {
        into.close_code = later.close_code;
        into.close_text = later.close_text;
    }
    if (later.closed_by != capture::ClosedBy::unknown) into.closed_by = later.closed_by;
    into.frames += later.frames;
    into.bytes += later.bytes;
    into.frames_lost += later.frames_lost;
}

}  // namespace

bool Selection::frame_filters() const {
    const auto& f = records;
    return f.channel || !f.methods.empty() || f.exchange || f.routing_key || f.queue || f.from_ns ||
           f.to_ns;
}

tl::expected<InputSet, InputError> InputSet::open(const std::vector<std::string>& paths,
                                                  const capture::PcapImportOptions& pcap) {
    InputSet set;
    std::map<std::string, std::uint32_t> series_of;  // rotation base name -> series
    for (const auto& given : paths) {
        if (capture::looks_like_packet_capture(given)) {
            auto imported = set.import_packets(given, pcap);
            if (!imported) return tl::unexpected(imported.error());
            auto reader = CaptureReader::open(imported->path);
            if (!reader) return tl::unexpected(InputError{reader.error().message});
            auto [it, added] =
                series_of.emplace(given, static_cast<std::uint32_t>(set.m_series.size()));
            if (added) set.m_series.push_back(given);
            set.m_files.push_back(
                File{imported->path, it->second, std::move(*reader), std::move(imported->stats)});
            continue;
        }
        for (const auto& path : expand(given)) {
            auto reader = CaptureReader::open(path);
            if (!reader) return tl::unexpected(InputError{reader.error().message});
            std::string series_name = path;
            if (auto member = capture::parse_rotation_file_name(path);
                member && !reader->meta().file_index.empty())
                series_name = member->base;
            auto [it, added] =
                series_of.emplace(series_name, static_cast<std::uint32_t>(set.m_series.size()));
            if (added) set.m_series.push_back(series_name);
            if (const auto spooled = reader->spooled_frames(); spooled > 0) {
                set.m_warnings.push_back(
                    path + ": " + std::to_string(spooled) +
                    " frames are still in the writer's spool and not read here (a running proxy "
                    "writes them as rows once the host is quiet; after a crash: amqp-analyze "
                    "recover " +
                    path + ")");
            }
            set.m_files.push_back(File{path, it->second, std::move(*reader)});
        }
    }
    // Within a series, read the files in rotation order whatever order they were given in.
    std::stable_sort(set.m_files.begin(), set.m_files.end(), [](const File& a, const File& b) {
        if (a.series != b.series) return a.series < b.series;
        return std::stoul("0" + a.reader.meta().file_index) <
               std::stoul("0" + b.reader.meta().file_index);
    });

    std::map<SessionKey, SessionInfo> merged;
    for (const auto& file : set.m_files) {
        for (auto& row : file.reader.sessions()) {
            const SessionKey key{file.series, row.start.id};
            auto [it, added] = merged.try_emplace(key);
            if (added) {
                it->second.key = key;
                it->second.row = std::move(row);
            } else {
                merge_into(it->second.row, row);
            }
        }
    }
    const bool several = set.m_series.size() > 1;
    for (auto& [key, info] : merged) {
        info.label = several ? std::to_string(key.series + 1) + ":" + std::to_string(key.id)
                             : std::to_string(key.id);
        set.m_sessions.push_back(std::move(info));
    }
    std::stable_sort(set.m_sessions.begin(), set.m_sessions.end(),
                     [](const SessionInfo& a, const SessionInfo& b) {
                         return a.row.start.start_ns < b.row.start.start_ns;
                     });
    for (std::size_t i = 0; i < set.m_sessions.size(); ++i)
        set.m_index.emplace(set.m_sessions[i].key, i);
    return set;
}

tl::expected<InputSet::Imported, InputError> InputSet::import_packets(
    const std::string& pcap_path, const capture::PcapImportOptions& pcap) {
    if (!m_scratch) m_scratch = std::make_shared<ScratchDir>();
    const auto path =
        (m_scratch->path() / ("pcap" + std::to_string(m_series.size()) + ".amqpcap")).string();
    auto stats = capture::import_pcap_file(pcap_path, path, pcap);
    if (!stats) return tl::unexpected(InputError{stats.error()});
    if (!stats->file_error.empty()) {
        m_warnings.push_back(pcap_path + ": read up to an error: " + stats->file_error +
                             "; what came before is analysed");
    }
    if (stats->tls_connections > 0) {
        m_warnings.push_back(pcap_path + ": " + std::to_string(stats->tls_connections) +
                             " TLS connection(s) on AMQP ports are encrypted and not shown");
    }
    return Imported{path, std::move(*stats)};
}

const SessionInfo* InputSet::find(const SessionKey& key) const {
    const auto it = m_index.find(key);
    return it == m_index.end() ? nullptr : &m_sessions[it->second];
}

bool InputSet::selects(const SessionInfo& s, const Selection& selection) {
    if (!selection.sessions.empty() &&
        std::find(selection.sessions.begin(), selection.sessions.end(), s.key) ==
            selection.sessions.end())
        return false;
    return !selection.records.vhost || s.row.vhost == *selection.records.vhost;
}

std::optional<SessionKey> InputSet::parse_session(std::string_view text) const {
    auto number = [](std::string_view s) -> std::optional<std::uint64_t> {
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
        return n;
    };
    SessionKey key;
    if (const auto colon = text.find(':'); colon != std::string_view::npos) {
        const auto series = number(text.substr(0, colon));
        const auto id = number(text.substr(colon + 1));
        if (!series || !id || *series == 0) return std::nullopt;
        key = {static_cast<std::uint32_t>(*series - 1), *id};
    } else {
        const auto id = number(text);
        if (!id) return std::nullopt;
        key = {0, *id};
    }
    if (!find(key)) return std::nullopt;
    return key;
}

std::vector<const SessionInfo*> InputSet::selected_sessions(const Selection& selection) const {
    std::vector<const SessionInfo*> out;
    for (const auto& s : m_sessions)
        if (selects(s, selection)) out.push_back(&s);
    return out;
}

std::uint64_t InputSet::for_each(const Selection& selection, const Visitor& visit) const {
    struct Source {
        const File* file;
        capture::RecordCursor cursor;
        const capture::Record* current;
        const SessionInfo* last = nullptr;  // consecutive records are often one session's
    };
    // `current` points into its cursor: reserve so the cursors never move once read.
    std::vector<Source> sources;
    sources.reserve(m_files.size());
    for (const auto& file : m_files) {
        auto filter = selection.records;
        filter.sessions.clear();
        if (!selection.sessions.empty()) {
            for (const auto& key : selection.sessions)
                if (key.series == file.series) filter.sessions.push_back(key.id);
            if (filter.sessions.empty()) continue;
        }
        auto& source = sources.emplace_back(
            Source{&file, file.reader.records(filter, capture::RecordOrder::time), nullptr});
        source.current = source.cursor.next();
        if (!source.current) sources.pop_back();
    }
    auto later = [&](std::size_t a, std::size_t b) {
        const auto ta = sources[a].current->ts_ns, tb = sources[b].current->ts_ns;
        return ta != tb ? ta > tb : a > b;
    };
    std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> heap(later);
    for (std::size_t i = 0; i < sources.size(); ++i)
        heap.push(i);
    std::uint64_t visited = 0;
    while (!heap.empty()) {
        const auto i = heap.top();
        heap.pop();
        auto& source = sources[i];
        const auto& record = *source.current;
        if (!source.last || source.last->key.id != record.session)
            source.last = find({source.file->series, record.session});
        if (source.last) {
            ++visited;
            if (!visit(*source.last, record)) break;
        }
        source.current = source.cursor.next();
        if (source.current) heap.push(i);
    }
    return visited;
}

std::vector<InputSet::GapInfo> InputSet::gaps(const Selection& selection) const {
    std::vector<GapInfo> out;
    for (const auto& file : m_files) {
        for (const auto& gap : file.reader.gaps()) {
            const SessionInfo* owner = nullptr;
            if (gap.session) {
                owner = find({file.series, *gap.session});
                if (!owner || !selects(*owner, selection)) continue;
            }
            if (selection.records.from_ns && gap.ts_ns < *selection.records.from_ns) continue;
            if (selection.records.to_ns && gap.ts_ns >= *selection.records.to_ns) continue;
            out.push_back({owner, gap});
        }
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const GapInfo& a, const GapInfo& b) { return a.gap.ts_ns < b.gap.ts_ns; });
    return out;
}

}  // namespace amqpprox::analyze
