#include "agent/ReactPrompt.h"

#include "core/Error.h"
#include "util/Json.h"

namespace mobi {

namespace {

const char* const kAlfworldInstruction = "Interact with a household to solve a task.";
const char* const kTaskKeys[] = {"put", "clean", "heat", "cool", "examine", "puttwo"};

bool contains(const std::string& s, const char* what) {
    return s.find(what) != std::string::npos;
}

// ALFWorld's first observation without its "-= Welcome ... =-" banner, as
// ReAct feeds it ('\n'.join(ob.split('\n\n')[1:])).
std::string withoutBanner(const std::string& ob) {
    if (ob.rfind("-= ", 0) != 0) return ob;
    std::string out;
    size_t pos = ob.find("\n\n");
    while (pos != std::string::npos) {
        const size_t next = ob.find("\n\n", pos + 2);
        if (!out.empty()) out += '\n';
        out += ob.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
        pos = next;
    }
    return out;
}

} // namespace

ReactPrompt ReactPrompt::alfworld(const std::string& promptsPath, Style style) {
    const Json j = Json::parseFile(promptsPath);
    if (!j.isObject()) throw FormatError(promptsPath, "expected a JSON object of transcripts");
    ReactPrompt p;
    p.instruction_ = kAlfworldInstruction;
    p.prefix_ = style == Style::React ? "react_" : "act_";
    for (const auto& [key, value] : j.asObject()) {
        if (!value.isString()) throw FormatError(promptsPath, "\"" + key + "\" is not a string");
        p.shots_[key] = value.asString();
    }
    for (const char* k : kTaskKeys)
        for (int i = 0; i < 2; ++i) {
            const std::string key = p.prefix_ + k + "_" + std::to_string(i);
            if (!p.shots_.count(key)) throw FormatError(promptsPath, "missing transcript " + key);
        }
    return p;
}

ReactPrompt ReactPrompt::zeroShot(std::string instruction) {
    ReactPrompt p;
    p.instruction_ = std::move(instruction);
    return p;
}

std::string ReactPrompt::taskKey(const std::string& task) {
    // The six ALFWorld task phrasings: "put two X in Y" / "find two X and
    // put them in Y"; "clean ..." / "put a clean X in Y"; heat/hot;
    // cool/cold; "look at X under the desklamp" / "examine the X with ...".
    if (contains(task, " two ")) return "puttwo";
    if (contains(task, "clean")) return "clean";
    if (contains(task, "heat") || contains(task, "hot ")) return "heat";
    if (contains(task, "cool") || contains(task, "cold")) return "cool";
    if (contains(task, "look at") || contains(task, "examine")) return "examine";
    return "put";
}

std::string ReactPrompt::compose(const AgentView& view, int examples, int dropSteps,
                                 const std::string& first) const {
    std::string s = instruction_;
    if (examples > 0 && !shots_.empty()) {
        const std::string key = prefix_ + taskKey(view.task) + "_";
        s += examples == 1 ? " Here is an example.\n" : " Here are two examples.\n";
        // ReAct puts example 1 before example 0; one example keeps 0.
        if (examples >= 2) s += shots_.at(key + "1");
        s += shots_.at(key + "0");
        s += "\nHere is the task.\n";
    } else {
        s += "\n";
    }
    s += first;
    if (dropSteps > 0) s += "\n(" + std::to_string(dropSteps) + " earlier steps left out)";
    s += "\n>";
    for (size_t i = size_t(dropSteps); i < view.history.size(); ++i)
        s += " " + view.history[i].first + "\n" + view.history[i].second + "\n>";
    return s;
}

BuiltPrompt ReactPrompt::build(const AgentView& view, int tokenBudget,
                               const std::function<int(const std::string&)>& countTokens) const {
    const std::string first = withoutBanner(view.firstObservation);
    const int steps = int(view.history.size());
    BuiltPrompt b;
    for (int examples = shots_.empty() ? 0 : 2; examples >= 0; --examples) {
        b.text = compose(view, examples, 0, first);
        if (countTokens(b.text) <= tokenBudget) {
            b.examples = examples;
            return b;
        }
    }
    // Without examples: shed the oldest steps (binary search on how many).
    int lo = 1, hi = steps, best = -1;
    while (lo <= hi) {
        const int mid = (lo + hi) / 2;
        if (countTokens(compose(view, 0, mid, first)) <= tokenBudget) {
            best = mid;
            hi = mid - 1;
        } else {
            lo = mid + 1;
        }
    }
    if (best >= 0) {
        b.text = compose(view, 0, best, first);
        b.droppedSteps = best;
        return b;
    }
    // Even the first observation alone is too long: keep its end.
    b.droppedSteps = steps;
    b.truncated = true;
    size_t keepLo = 0, keepHi = first.size(), keep = 0;
    while (keepLo <= keepHi) {
        const size_t mid = (keepLo + keepHi) / 2;
        if (countTokens(compose(view, 0, steps, first.substr(first.size() - mid))) <= tokenBudget) {
            keep = mid;
            keepLo = mid + 1;
        } else {
            if (mid == 0) break;
            keepHi = mid - 1;
        }
    }
    b.text = compose(view, 0, steps, first.substr(first.size() - keep));
    if (countTokens(b.text) > tokenBudget)
        throw EngineError("llm policy", "the model's context (" + std::to_string(tokenBudget) +
                                            " tokens for the prompt) is too short for any prompt");
    return b;
}

} // namespace mobi
