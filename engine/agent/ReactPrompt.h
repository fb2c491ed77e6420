// ReAct-style prompts for the llm policy: an instruction line, few-shot
// transcripts (for ALFWorld, ReAct's `alfworld_3prompts.json`, chosen by the
// task's type), then the episode so far as "> command\nobservation" lines
// ending in ">" where the model continues with " command". When the
// model's context is short the prompt sheds, in order, the few-shot
// transcripts, the oldest steps, then the start of the first observation.
#pragma once

#include "agent/AgentPolicy.h"

#include <functional>
#include <map>
#include <string>

namespace mobi {

struct BuiltPrompt {
    std::string text;
    int examples = 0;       // few-shot transcripts kept
    int droppedSteps = 0;   // oldest steps left out to fit
    bool truncated = false; // the first observation was cut at its start
};

class ReactPrompt {
  public:
    enum class Style { React, Act }; // with or without "think:" lines

    // ALFWorld few-shot transcripts; FormatError naming the file when it is
    // not a JSON object of strings or lacks a task type's two examples.
    static ReactPrompt alfworld(const std::string& promptsPath, Style style);
    // No examples (WebShop: none ship with the data).
    static ReactPrompt zeroShot(std::string instruction);

    // ReAct's task-type key of an ALFWorld task text: "put", "clean",
    // "heat", "cool", "examine" or "puttwo".
    static std::string taskKey(const std::string& task);

    // The prompt for `view` within `tokenBudget` tokens as counted by
    // `countTokens`.
    BuiltPrompt build(const AgentView& view, int tokenBudget,
                      const std::function<int(const std::string&)>& countTokens) const;

  private:
    std::string compose(const AgentView& view, int examples, int dropSteps,
                        const std::string& first) const;
    std::string instruction_;
    std::map<std::string, std::string> shots_; // "react_put_0" -> transcript
    std::string prefix_;                       // "react_" or "act_"
};

} // namespace mobi
