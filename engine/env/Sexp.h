// S-expression reader for PDDL text: parentheses, atoms, `;` comments to the
// end of the line; commas count as whitespace (the ALFRED domain writes
// `(?l - location, ?r - receptacle)`). Atoms keep their case and their line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mobi {

struct Sexp {
    bool isList = false;
    std::string atom;        // when !isList
    std::vector<Sexp> items; // when isList
    int line = 0;

    bool isAtom() const { return !isList; }
    // True when this is an atom equal to `word`, ignoring ASCII case.
    bool is(std::string_view word) const;

    // Reads exactly one top-level list (comments and whitespace around it are
    // fine). Throws FormatError(source, "line N: ...") for unbalanced
    // parentheses, stray atoms, trailing content or nesting deeper than
    // maxDepth.
    static Sexp parseOne(std::string_view text, const std::string& source, int maxDepth = 256);
};

bool equalsIgnoreCase(std::string_view a, std::string_view b);

} // namespace mobi
