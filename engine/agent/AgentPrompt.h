// The prompt format "mobiscope-agent-v1" that agent models are trained on
// (`env demos` writes it) and that LlmAgent feeds them. One byte-exact text:
//
//   task: <task without "Your task is to: ">\n
//   <first observation, one line>\n          (banner and task line removed)
//   > <command>\n<observation, one line>\n   (each step kept in the window)
//   >
//
// and a command is scored (and trained) as the continuation " <command>\n"
// (leading space, trailing newline). Commands and observations are made one
// line each: newlines become spaces, runs of spaces one space, ends trimmed.
//
// Window: the header always; then as many of the newest steps as fit in a
// byte budget (header + kept steps + ">" <= charBudget; the continuation is
// not counted). The window's first step only moves forward, and when the
// next step would overflow it drops the OLDEST HALF of the kept steps (more
// halves while still over), so for most steps the prompt is the previous
// prompt plus " <command>\n<observation>\n>" — the model's KV cache is
// reused — and training records can pack consecutive steps into one text.
// The window is a function of the whole history (replayed from step 0), so
// training and the agent compute the same prompt for the same history.
//
// GGUF metadata: mobiscope.agent.prompt_format = "mobiscope-agent-v1" and
// mobiscope.agent.prompt_chars = the budget (integer or decimal string).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mobi {

class AgentPrompt {
  public:
    using History = std::vector<std::pair<std::string, std::string>>; // (command, observation)
    static constexpr const char* kFormat = "mobiscope-agent-v1";
    static constexpr const char* kFormatKey = "mobiscope.agent.prompt_format";
    static constexpr const char* kCharsKey = "mobiscope.agent.prompt_chars";
    static constexpr int kDefaultChars = 1600;
    static constexpr int kMinChars = 64;

    // EngineError when the budget is below kMinChars.
    explicit AgentPrompt(int charBudget = kDefaultChars);
    // The format a model's metadata declares: nullopt without the format key;
    // EngineError for another format name or a malformed budget.
    static std::optional<AgentPrompt> fromMetadata(const std::map<std::string, std::string>& md);

    int charBudget() const { return budget_; }

    // "task: ...\n<first observation>\n".
    static std::string header(const std::string& task, const std::string& firstObservation);
    // "> <command>\n<observation>\n".
    static std::string stepText(const std::string& command, const std::string& observation);
    // " <command>\n": what is scored after the prompt.
    static std::string continuation(const std::string& command);
    // Newlines to spaces, space runs to one, ends trimmed.
    static std::string oneLine(const std::string& text);

    // Index of the first step kept in the prompt for this history (equal to
    // history.size() when none fits).
    size_t windowStart(const std::string& task, const std::string& firstObservation,
                       const History& history) const;
    // The prompt for the state after `history`, ending with ">".
    std::string build(const std::string& task, const std::string& firstObservation,
                      const History& history) const;

  private:
    int budget_;
};

} // namespace mobi
