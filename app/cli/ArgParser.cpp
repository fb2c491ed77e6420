#include "ArgParser.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace cli {

ArgParser::ArgParser(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {
    flag("help", "show this help and exit");
}

ArgParser& ArgParser::option(const std::string& name, const std::string& valueName,
                             const std::string& help, const std::string& def,
                             const std::string& shortName) {
    specs_.push_back({name, shortName, valueName, help, def, false});
    return *this;
}

ArgParser& ArgParser::flag(const std::string& name, const std::string& help) {
    specs_.push_back({name, "", "", help, "", true});
    return *this;
}

ArgParser& ArgParser::positional(const std::string& name, const std::string& help, bool required) {
    positionals_.push_back({name, help, required});
    return *this;
}

const ArgParser::Spec* ArgParser::findSpec(const std::string& arg) const {
    for (const Spec& s : specs_) {
        if (arg == "--" + s.name) return &s;
        if (!s.shortName.empty() && arg == s.shortName) return &s;
    }
    return nullptr;
}

bool ArgParser::parse(const std::vector<std::string>& args) {
    size_t nextPos = 0;
    bool onlyPositional = false;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string a = args[i];
        if (!onlyPositional && a == "--") {
            onlyPositional = true;
            continue;
        }
        const bool looksLikeFlag =
            !onlyPositional && a.size() > 1 && a[0] == '-' &&
            !(a.size() > 1 && (std::isdigit(static_cast<unsigned char>(a[1])) || a[1] == '.'));
        if (looksLikeFlag) {
            std::string value;
            bool inlineValue = false;
            const size_t eq = a.find('=');
            if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
                value = a.substr(eq + 1);
                a = a.substr(0, eq);
                inlineValue = true;
            }
            const Spec* s = findSpec(a);
            if (!s) throw UsageError("unknown option '" + a + "' for '" + command_ + "'");
            if (s->isFlag) {
                if (inlineValue) throw UsageError("option --" + s->name + " takes no value");
                if (s->name == "help") {
                    std::fputs(help().c_str(), stdout);
                    return false;
                }
                flags_[s->name] = true;
                continue;
            }
            if (!inlineValue) {
                if (i + 1 >= args.size())
                    throw UsageError("option --" + s->name + " needs a value (" + s->valueName +
                                     ")");
                value = args[++i];
            }
            values_[s->name] = value;
            continue;
        }
        if (nextPos >= positionals_.size())
            throw UsageError("unexpected argument '" + a + "' for '" + command_ + "'");
        values_[positionals_[nextPos++].name] = a;
    }
    for (size_t k = nextPos; k < positionals_.size(); ++k)
        if (positionals_[k].required)
            throw UsageError("missing " + positionals_[k].name + " for '" + command_ + "'");
    return true;
}

bool ArgParser::has(const std::string& name) const {
    return values_.count(name) != 0;
}

std::string ArgParser::get(const std::string& name) const {
    auto it = values_.find(name);
    if (it != values_.end()) return it->second;
    for (const Spec& s : specs_)
        if (s.name == name) return s.def;
    return "";
}

bool ArgParser::flagSet(const std::string& name) const {
    auto it = flags_.find(name);
    return it != flags_.end() && it->second;
}

long long ArgParser::getInt64(const std::string& name, long long min, long long max) const {
    const std::string v = get(name);
    errno = 0;
    char* end = nullptr;
    const long long x = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || errno == ERANGE)
        throw UsageError("--" + name + ": expected an integer, got '" + v + "'");
    if (x < min || x > max)
        throw UsageError("--" + name + ": " + v + " is out of range [" + std::to_string(min) +
                         ", " + std::to_string(max) + "]");
    return x;
}

int ArgParser::getInt(const std::string& name, int min, int max) const {
    return static_cast<int>(getInt64(name, min, max));
}

double ArgParser::getDouble(const std::string& name, double min, double max) const {
    const std::string v = get(name);
    char* end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !std::isfinite(x))
        throw UsageError("--" + name + ": expected a number, got '" + v + "'");
    if (x < min || x > max) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "--%s: %s is out of range [%g, %g]", name.c_str(), v.c_str(),
                      min, max);
        throw UsageError(buf);
    }
    return x;
}

std::string ArgParser::help() const {
    std::string s = "usage: mobiscope-cli " + command_;
    for (const Pos& p : positionals_)
        s += p.required ? " " + p.name : " [" + p.name + "]";
    s += " [options]\n\n" + summary_ + "\n";
    if (!positionals_.empty()) {
        s += "\narguments:\n";
        for (const Pos& p : positionals_) {
            std::string left = "  " + p.name;
            left.resize(std::max<size_t>(left.size() + 2, 26), ' ');
            s += left + p.help + "\n";
        }
    }
    s += "\noptions:\n";
    for (const Spec& o : specs_) {
        std::string left = "  ";
        if (!o.shortName.empty()) left += o.shortName + ", ";
        left += "--" + o.name;
        if (!o.isFlag) left += " " + o.valueName;
        left.resize(std::max<size_t>(left.size() + 2, 26), ' ');
        s += left + o.help;
        if (!o.def.empty()) s += " (default: " + o.def + ")";
        s += "\n";
    }
    return s;
}

} // namespace cli
