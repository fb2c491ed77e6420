#include "agent/EpisodeLog.h"

#include "core/Error.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mobi {

EpisodeWriter::EpisodeWriter(const std::string& path) : path_(path) {
    f_ = std::fopen(path.c_str(), "wb");
    if (!f_) throw EngineError(path, std::string("cannot write: ") + std::strerror(errno));
}

EpisodeWriter::~EpisodeWriter() {
    if (f_) std::fclose(f_);
}

void EpisodeWriter::writeLine(const Json& j) {
    const std::string line = j.dump() + "\n";
    if (std::fwrite(line.data(), 1, line.size(), f_) != line.size() || std::fflush(f_) != 0)
        throw EngineError(path_, std::string("write failed: ") + std::strerror(errno));
}

int EpisodeWriter::beginEpisode(const EpisodeRecord& header) {
    writeLine(header.headerJson(++episode_));
    return episode_;
}

void EpisodeWriter::addStep(const EpisodeStep& step) {
    writeLine(step.toJson(episode_));
}

void EpisodeWriter::endEpisode(const EpisodeRecord& finished) {
    writeLine(finished.endJson(episode_));
}

std::vector<EpisodeRecord> EpisodeLog::read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw EngineError(path, std::string("cannot open: ") + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), path);
}

std::vector<EpisodeRecord> EpisodeLog::parse(const std::string& text, const std::string& source) {
    std::vector<EpisodeRecord> out;
    bool open = false; // the last episode has no "end" line yet
    size_t pos = 0;
    int lineNo = 0;
    auto bad = [&](const std::string& what) {
        throw FormatError(source, "line " + std::to_string(lineNo) + ": " + what);
    };
    while (pos < text.size()) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string::npos) eol = text.size();
        const std::string line = text.substr(pos, eol - pos);
        pos = eol + 1;
        ++lineNo;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        Json j;
        try {
            j = Json::parse(line, source);
        } catch (const FormatError& e) {
            bad(std::string("not JSON (") + e.problem() + ")");
        }
        if (!j.isObject()) bad("expected a JSON object");
        const std::string type = j.string("type", "");
        const Json* ep = j.find("episode");
        const std::optional<int64_t> epNo = ep ? ep->asInteger() : std::nullopt;
        if (!epNo || *epNo < 0 || *epNo > 0x7fffffff) bad("missing or bad \"episode\"");
        const int episode = int(*epNo);
        if (type == "episode") {
            if (episode != int(out.size())) bad("episodes out of order");
            EpisodeRecord r;
            const Json* env = j.find("env");
            if (!env || !env->isObject()) bad("missing \"env\" object");
            r.envSpec = *env;
            r.kind = j.string("kind", "");
            r.episodeId = j.string("id", "");
            r.task = j.string("task", "");
            r.policy = j.string("policy", "");
            if (const Json* pi = j.find("policy_info")) r.policyInfo = *pi;
            const Json* ob = j.find("observation");
            if (!ob || !ob->isString()) bad("missing \"observation\"");
            r.firstObservation = ob->asString();
            const Json* adm = j.find("admissible");
            if (!adm || !adm->isArray()) bad("missing \"admissible\"");
            for (const Json& s : adm->asArray()) {
                if (!s.isString()) bad("\"admissible\" holds a non-string");
                r.firstAdmissible.push_back(s.asString());
            }
            r.stopReason = "incomplete";
            out.push_back(std::move(r));
            open = true;
        } else if (type == "step" || type == "end") {
            if (out.empty() || episode != int(out.size()) - 1 || !open)
                bad("a " + type + " line outside its episode");
            EpisodeRecord& r = out.back();
            if (type == "step") {
                EpisodeStep s = EpisodeStep::fromJson(j, source, lineNo);
                if (s.index != int(r.steps.size())) bad("steps out of order");
                r.steps.push_back(std::move(s));
            } else {
                r.totalReward = j.number("reward", 0);
                r.done = j.boolean("done", false);
                r.won = j.boolean("won", false);
                r.stopReason = j.string("stop", "");
                const Json* n = j.find("steps");
                const std::optional<int64_t> steps = n ? n->asInteger() : std::nullopt;
                if (!steps || *steps != int64_t(r.steps.size()))
                    bad("the end line's step count differs from the steps recorded");
                open = false;
            }
        } else {
            bad("unknown line type \"" + type + "\"");
        }
    }
    return out;
}

} // namespace mobi
