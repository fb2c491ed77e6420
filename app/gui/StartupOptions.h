// What the command line asks the window to do once the model is open
// (used for demos and screenshots: `mobiscope MODEL --prompt "..." --run`).
#pragma once

#include <QString>

namespace mobi {

struct StartupOptions {
    QString model;
    QString prompt;
    bool run = false;
    int maxNewTokens = -1;   // -1: keep the saved setting
    double temperature = -1; // <0: keep the saved setting
    int selectToken = -1;    // token to select when the run ends
    QString tensor;          // tensor key to select in the inspector
    QString measure;         // token measure key (logprob, entropy, ...)
    QString layerMeasure;    // layer measure key (change, rms, level)
    int level = 0;           // uniform level of a sliced model (0: the top level)
    int rescoreLevel = 0;    // level to move the slider to once the run ends (0: none)
    double budget = 0;       // average bits for a routed model's routers (0: the top)
    QString allocation;      // routed budget allocation: global or layer (empty: keep)
    // Profiles: a range name to select in the statistics table, and a time window
    // (ms from the profile's start) to zoom the timeline to (end <= start: all).
    QString rangeName;
    double zoomStartMs = 0, zoomEndMs = 0;
};

} // namespace mobi
