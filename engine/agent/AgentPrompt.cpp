#include "agent/AgentPrompt.h"

#include "core/Error.h"

#include <cstdlib>

namespace mobi {

AgentPrompt::AgentPrompt(int charBudget) : budget_(charBudget) {
    if (charBudget < kMinChars)
        throw EngineError("agent prompt", "a character budget of " + std::to_string(charBudget) +
                                              " is below the minimum of " +
                                              std::to_string(kMinChars));
}

std::optional<AgentPrompt> AgentPrompt::fromMetadata(const std::map<std::string, std::string>& md) {
    const auto f = md.find(kFormatKey);
    if (f == md.end()) return std::nullopt;
    if (f->second != kFormat)
        throw EngineError("model metadata", std::string(kFormatKey) + " is '" + f->second +
                                                "'; this build knows only '" + kFormat + "'");
    const auto c = md.find(kCharsKey);
    if (c == md.end()) return AgentPrompt();
    char* end = nullptr;
    const long v = std::strtol(c->second.c_str(), &end, 10);
    if (c->second.empty() || *end != '\0' || v < kMinChars || v > 1000000)
        throw EngineError("model metadata", std::string(kCharsKey) + " = '" + c->second +
                                                "' is not a character budget (" +
                                                std::to_string(kMinChars) + "..1000000)");
    return AgentPrompt(int(v));
}

std::string AgentPrompt::oneLine(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        const char c = (ch == '\n' || ch == '\r' || ch == '\t') ? ' ' : ch;
        if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
        out += c;
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

std::string AgentPrompt::header(const std::string& task, const std::string& firstObservation) {
    std::string t = oneLine(task);
    const std::string prefix = "Your task is to: ";
    if (t.compare(0, prefix.size(), prefix) == 0) t.erase(0, prefix.size());
    // The first observation without ALFWorld's banner and without the task
    // line (the header states the task).
    std::string first;
    size_t pos = 0;
    while (pos <= firstObservation.size()) {
        size_t e = firstObservation.find('\n', pos);
        if (e == std::string::npos) e = firstObservation.size();
        const std::string line = firstObservation.substr(pos, e - pos);
        const bool banner = line.compare(0, 3, "-= ") == 0;
        const bool taskLine = line.compare(0, prefix.size(), prefix) == 0;
        if (!banner && !taskLine) first += line + "\n";
        pos = e + 1;
    }
    return "task: " + t + "\n" + oneLine(first) + "\n";
}

std::string AgentPrompt::stepText(const std::string& command, const std::string& observation) {
    return "> " + oneLine(command) + "\n" + oneLine(observation) + "\n";
}

std::string AgentPrompt::continuation(const std::string& command) {
    return " " + oneLine(command) + "\n";
}

size_t AgentPrompt::windowStart(const std::string& task, const std::string& firstObservation,
                                const History& history) const {
    const long room = long(budget_) - long(header(task, firstObservation).size()) - 1;
    std::vector<long> len(history.size());
    for (size_t i = 0; i < history.size(); ++i)
        len[i] = long(stepText(history[i].first, history[i].second).size());
    size_t start = 0;
    long kept = 0; // bytes of steps [start, m)
    for (size_t m = 1; m <= history.size(); ++m) {
        kept += len[m - 1];
        while (start < m && kept > room) {
            const size_t drop = (m - start + 1) / 2; // the oldest half, rounded up
            for (size_t i = start; i < start + drop; ++i)
                kept -= len[i];
            start += drop;
        }
    }
    return start;
}

std::string AgentPrompt::build(const std::string& task, const std::string& firstObservation,
                               const History& history) const {
    std::string out = header(task, firstObservation);
    for (size_t i = windowStart(task, firstObservation, history); i < history.size(); ++i)
        out += stepText(history[i].first, history[i].second);
    out += ">";
    return out;
}

} // namespace mobi
