// Where the embedded default model (resources/models/agent.gguf: the
// project's ALFWorld agent, MoBiSlice-sliced with MoBiRoute routers) is
// found when a command or the app is given no model.
#pragma once

#include <string>
#include <vector>

namespace mobi {

// The file name of the embedded default inside a models directory.
inline constexpr const char* kEmbeddedModelName = "agent.gguf";

// Candidate paths in search order: $MOBISCOPE_MODEL alone when it is set;
// otherwise models/agent.gguf under ../resources, ../../resources and ../share/mobiscope
// beside the running executable, then the source tree's resources/ (the
// build's MOBISCOPE_SOURCE_DIR).
std::vector<std::string> embeddedModelCandidates();

// The first candidate that exists; throws EngineError listing every place
// searched when none does.
std::string findEmbeddedModel();

} // namespace mobi
