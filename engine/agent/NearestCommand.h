// Maps free text a model generated to the closest admissible command.
#pragma once

#include <string>
#include <vector>

namespace mobi {

// Levenshtein distance over bytes.
int editDistance(const std::string& a, const std::string& b);
// Index of the admissible command closest to `text` (trimmed, lower-cased):
// an exact match, else the smallest edit distance relative to the longer
// length (ties: the earlier command). -1 when `admissible` is empty.
int nearestCommand(const std::string& text, const std::vector<std::string>& admissible);

} // namespace mobi
