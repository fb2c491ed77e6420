// libFuzzer target: the PDDL parser (and the ALFWorld game loader).
// Input forms: a game.tw-pddl JSON file (starts with '{'); or domain text,
// optionally followed by "\n;;problem\n" and problem text, parsed against
// that domain (or against a small built-in domain when the domain fails).
#include "core/Error.h"
#include "env/AlfworldGame.h"
#include "env/Pddl.h"

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
    const std::string text(reinterpret_cast<const char*>(data), size);
    if (!text.empty() && text[0] == '{') {
        try {
            mobi::AlfworldGame::parse(text, "fuzz");
        } catch (const mobi::FormatError&) {
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
        mobi::PddlParser::parseProblem(problemText, domain, "fuzz-problem");
    } catch (const mobi::FormatError&) {
    }
    return 0;
}
