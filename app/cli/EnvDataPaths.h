// Where the environment commands find the shared data, and the guard that
// keeps ALFWorld's evaluation games out of anything that feeds training.
#pragma once

#include <string>

namespace cli {

// $MOBISCOPE_DATA, or ../shared/data.
std::string envDataDir();
// UsageError when `path` (a game file or directory) is or lies inside an
// ALFWorld evaluation split (a path component named valid_*: valid_seen,
// valid_unseen), or holds games inside one: evaluation games must never
// reach demos, priors or training.
void refuseEvalGames(const std::string& path, const std::string& command);

} // namespace cli
