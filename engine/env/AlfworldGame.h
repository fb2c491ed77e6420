// One ALFWorld game (a TextWorld `game.tw-pddl` file): the ALFRED PDDL domain
// and problem, the TextWorld grammar templates, and the expert walkthrough.
// Loading only parses and checks; grounding, state and text rendering come in
// later layers.
#pragma once

#include "env/AlfworldGrammar.h"
#include "env/Pddl.h"

#include <map>
#include <string>
#include <vector>

namespace mobi {

class AlfworldGame {
  public:
    // Throws FormatError naming the file for a missing or mistyped key, bad
    // JSON, malformed PDDL or grammar, or a grammar without a "task" line.
    static AlfworldGame load(const std::string& path);
    // The same from the file's text; `source` names it in errors.
    static AlfworldGame parse(const std::string& text, const std::string& source);
    // A game from parts (generated problems). Throws FormatError(source, ...)
    // when the grammar has no "task" line.
    static AlfworldGame make(std::string source, PddlDomain domain, PddlProblem problem,
                             AlfworldGrammar grammar, std::vector<std::string> walkthrough,
                             bool solvable = true);

    const std::string& source() const { return source_; }
    const PddlDomain& domain() const { return domain_; }
    const PddlProblem& problem() const { return problem_; }
    const AlfworldGrammar& grammar() const { return grammar_; }
    const std::vector<std::string>& walkthrough() const { return walkthrough_; }
    bool solvable() const { return solvable_; }
    // "Your task is to: put two newspaper in drawer."
    const std::string& taskText() const { return task_; }
    // Object names by their declared type ("receptacle" -> {...}), file order.
    const std::map<std::string, std::vector<std::string>>& objectsByType() const { return byType_; }

  private:
    std::string source_;
    PddlDomain domain_;
    PddlProblem problem_;
    AlfworldGrammar grammar_;
    std::vector<std::string> walkthrough_;
    bool solvable_ = false;
    std::string task_;
    std::map<std::string, std::vector<std::string>> byType_;
};

} // namespace mobi
