// TextWorld's context-sensitive grammar for PDDL games, as ALFWorld uses it:
// a template mixes literal text, `#symbol#` (the first rule of the symbol
// whose condition holds; `#overview(o)#` is just a symbol name), `{expr}`
// (`o.name`, `o.indefinite + ' ' + o.name`, `r.name or r.id`, a bare `o`),
// `{expr | condition}` (one copy per binding of the condition's variables)
// and `[...]` (those copies joined with #list_separator# and
// #list_last_separator#, or #list_empty#). Conditions are TextWorld logic
// conjunctions `pred(x:type, y:type) & not_pred(...)`; a `not_` atom holds
// when an action deleted the atom (TextWorld keeps deleted atoms as
// `not_` facts). Variables already bound (the action's parameters) constrain
// the query; new bindings are listed in TextWorld's id order.
#pragma once

#include "env/AlfworldGrammar.h"
#include "env/AlfworldNames.h"
#include "env/PddlState.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mobi {

// Variable name (lower case, no '?') -> object id.
using AlfworldBindings = std::vector<std::pair<std::string, int>>;

class AlfworldText {
  public:
    // Parses every rule of the grammar. Throws FormatError(source, ...) for
    // a condition naming an unknown predicate or malformed syntax.
    AlfworldText(const AlfworldGrammar& grammar, const PddlTask& task, const AlfworldNames& names,
                 const std::string& source);
    ~AlfworldText();
    AlfworldText(AlfworldText&&) noexcept;
    AlfworldText& operator=(AlfworldText&&) noexcept;

    // Expands a template ("#intro#", "open {r}"). Throws EngineError for a
    // symbol the grammar lacks or an expression it cannot evaluate.
    std::string derive(std::string_view templ, const AlfworldBindings& vars,
                       const PddlState& state) const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

} // namespace mobi
