// The TextWorld logic text an ALFWorld game stores under "grammar":
//   grammar :: """{ JSON: symbol -> [{"rhs": ..., "condition": ...}] }""";
//   action GotoLocation { template :: "go to {r}"; feedback :: "#...#";
//                         grammar :: """{ more symbols }"""; }
// Symbols from every grammar block are merged into one table.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace mobi {

// One alternative of a grammar symbol: `rhs` is a TextWorld template
// ("You open the {r.name}. #examineReceptacle.feedback#"); `condition`, when
// not empty, is a TextWorld logic condition ("openable(r:receptacle) & ...").
struct AlfworldGrammarRule {
    std::string rhs;
    std::string condition;
};

// An `action Name { ... }` block: the command template the player types
// ("take {o} from {r}") and the feedback template ("#PickupObject.feedback#").
struct AlfworldCommandTemplate {
    std::string action;
    std::string commandTemplate;
    std::string feedback;
    int line = 0;
};

class AlfworldGrammar {
  public:
    // Throws FormatError(source, "line N: ...") on malformed text, bad JSON in
    // a grammar block, a symbol defined twice, or a rule without a string rhs.
    static AlfworldGrammar parse(const std::string& text, const std::string& source);

    const std::map<std::string, std::vector<AlfworldGrammarRule>>& symbols() const {
        return symbols_;
    }
    const std::vector<AlfworldCommandTemplate>& commands() const { return commands_; }
    // nullptr when there is no `action name { ... }` block.
    const AlfworldCommandTemplate* command(const std::string& action) const;
    // The rhs templates of a symbol (empty when absent).
    std::vector<std::string> templates(const std::string& symbol) const;

  private:
    std::map<std::string, std::vector<AlfworldGrammarRule>> symbols_;
    std::vector<AlfworldCommandTemplate> commands_;
};

} // namespace mobi
