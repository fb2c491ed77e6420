// libFuzzer target: the PDDL parser (and the ALFWorld game loader), then the
// engine on what parses: a loaded game is played (AlfworldEnv: grammar
// compilation, intro, a few admissible commands and the walkthrough), a
// parsed problem is compiled and its applicable actions applied.
// Input forms: a game.tw-pddl JSON file (starts with '{'); or domain text,
// optionally followed by "\n;;problem\n" and problem text, parsed against
// that domain (or against a small built-in domain when the domain fails).
#include "FuzzReach.h"
#include "core/Error.h"
#include "env/AlfworldEnv.h"
#include "env/AlfworldGame.h"
#include "env/Pddl.h"
#include "env/PddlState.h"
#include "env/PddlTask.h"

#include <cstdint>
#include <string>

namespace {
const char* kDomain =
    "(define (domain alfred) (:requirements :adl :typing)"
    " (:types agent location receptacle object rtype otype)"
    " (:predicates (atLocation ?a - agent ?l - location) (holds ?a - agent ?o - object)"
    " (inReceptacle ?o - object ?r - receptacle) (objectType ?o - object ?t - otype))"
    " (:functions (distance ?from ?to) (total-cost) - number))";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzzreach::input();
    const std::string text(reinterpret_cast<const char*>(data), size);
    if (!text.empty() && text[0] == '{') {
        try {
            mobi::AlfworldEnv env(mobi::AlfworldGame::parse(text, "fuzz"), 20);
            fuzzreach::parsed();
            for (int i = 0; i < 8 && !env.done(); ++i) {
                const auto adm = env.admissibleCommands();
                env.step(adm.empty() ? "look" : adm[static_cast<size_t>(i) % adm.size()]);
            }
            env.reset();
            for (const std::string& c : env.game().walkthrough())
                env.step(c);
        } catch (const mobi::EngineError&) { // FormatError included
        }
        return 0;
    }
    const std::string sep = "\n;;problem\n";
    const size_t at = text.find(sep);
    const std::string domainText = text.substr(0, at);
    const std::string problemText = at == std::string::npos ? text : text.substr(at + sep.size());
    mobi::PddlDomain domain;
    try {
        domain = mobi::PddlParser::parseDomain(domainText, "fuzz-domain");
    } catch (const mobi::FormatError&) {
        domain = mobi::PddlParser::parseDomain(kDomain, "builtin");
    }
    try {
        const mobi::PddlProblem problem =
            mobi::PddlParser::parseProblem(problemText, domain, "fuzz-problem");
        mobi::PddlState state(mobi::PddlTask::compile(domain, problem, "fuzz-problem"));
        fuzzreach::parsed();
        for (int i = 0; i < 4 && !state.goalReached(); ++i) {
            const auto actions = state.applicableActions();
            if (actions.empty()) break;
            state.apply(actions[static_cast<size_t>(i) % actions.size()]);
        }
    } catch (const mobi::EngineError&) {
    }
    return 0;
}
