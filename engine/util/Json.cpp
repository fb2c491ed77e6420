#include "util/Json.h"

#include "core/Error.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace mobi {

namespace {

class Parser {
  public:
    Parser(std::string_view s, const std::string& source) : s_(s), source_(source) {}

    Json parseDocument() {
        skipWs();
        Json v = parseValue(0);
        skipWs();
        if (i_ != s_.size()) fail("unexpected trailing characters");
        return v;
    }

  private:
    static constexpr int kMaxDepth = 512;

    [[noreturn]] void fail(const std::string& what) const {
        size_t line = 1, col = 1;
        for (size_t k = 0; k < i_ && k < s_.size(); ++k) {
            if (s_[k] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        throw FormatError(source_, "JSON: " + what + " at line " + std::to_string(line) +
                                       " column " + std::to_string(col));
    }

    void skipWs() {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
            ++i_;
    }

    bool consume(std::string_view lit) {
        if (s_.substr(i_, lit.size()) == lit) {
            i_ += lit.size();
            return true;
        }
        return false;
    }

    Json parseValue(int depth) {
        if (depth > kMaxDepth) fail("nesting deeper than 512 levels");
        if (i_ >= s_.size()) fail("unexpected end of input");
        const char c = s_[i_];
        if (c == '{') return parseObject(depth);
        if (c == '[') return parseArray(depth);
        if (c == '"') return Json(parseString());
        if (consume("true")) return Json(true);
        if (consume("false")) return Json(false);
        if (consume("null")) return Json(nullptr);
        if (c == '-' || (c >= '0' && c <= '9')) return parseNumber();
        fail(std::string("unexpected character '") + c + "'");
    }

    Json parseObject(int depth) {
        ++i_;
        Json::Object obj;
        skipWs();
        if (i_ < s_.size() && s_[i_] == '}') {
            ++i_;
            return Json(std::move(obj));
        }
        for (;;) {
            skipWs();
            if (i_ >= s_.size() || s_[i_] != '"') fail("expected a string key");
            std::string key = parseString();
            skipWs();
            if (i_ >= s_.size() || s_[i_] != ':') fail("expected ':'");
            ++i_;
            skipWs();
            obj.emplace_back(std::move(key), parseValue(depth + 1));
            skipWs();
            if (i_ >= s_.size()) fail("unterminated object");
            if (s_[i_] == ',') {
                ++i_;
                continue;
            }
            if (s_[i_] == '}') {
                ++i_;
                return Json(std::move(obj));
            }
            fail("expected ',' or '}'");
        }
    }

    Json parseArray(int depth) {
        ++i_;
        Json::Array arr;
        skipWs();
        if (i_ < s_.size() && s_[i_] == ']') {
            ++i_;
            return Json(std::move(arr));
        }
        for (;;) {
            skipWs();
            arr.push_back(parseValue(depth + 1));
            skipWs();
            if (i_ >= s_.size()) fail("unterminated array");
            if (s_[i_] == ',') {
                ++i_;
                continue;
            }
            if (s_[i_] == ']') {
                ++i_;
                return Json(std::move(arr));
            }
            fail("expected ',' or ']'");
        }
    }

    unsigned hex4() {
        if (i_ + 4 > s_.size()) fail("truncated \\u escape");
        unsigned v = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = s_[i_++];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= c - '0';
            else if (c >= 'a' && c <= 'f')
                v |= c - 'a' + 10;
            else if (c >= 'A' && c <= 'F')
                v |= c - 'A' + 10;
            else
                fail("bad \\u escape");
        }
        return v;
    }

    static void appendUtf8(std::string& out, uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        }
    }

    std::string parseString() {
        ++i_; // opening quote
        std::string out;
        for (;;) {
            if (i_ >= s_.size()) fail("unterminated string");
            const char c = s_[i_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) fail("unterminated escape");
            const char e = s_[i_++];
            switch (e) {
            case '"':
                out += '"';
                break;
            case '\\':
                out += '\\';
                break;
            case '/':
                out += '/';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                uint32_t cp = hex4();
                if (cp >= 0xd800 && cp < 0xdc00) {
                    if (i_ + 2 <= s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
                        i_ += 2;
                        const uint32_t lo = hex4();
                        if (lo >= 0xdc00 && lo < 0xe000)
                            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                        else
                            cp = 0xfffd;
                    } else {
                        cp = 0xfffd;
                    }
                } else if (cp >= 0xdc00 && cp < 0xe000) {
                    cp = 0xfffd;
                }
                appendUtf8(out, cp);
                break;
            }
            default:
                fail("bad escape");
            }
        }
    }

    Json parseNumber() {
        const size_t start = i_;
        if (s_[i_] == '-') ++i_;
        auto digits = [&] {
            const size_t d0 = i_;
            while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9')
                ++i_;
            return i_ > d0;
        };
        if (!digits()) fail("bad number");
        if (i_ < s_.size() && s_[i_] == '.') {
            ++i_;
            if (!digits()) fail("bad number");
        }
        if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
            ++i_;
            if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
            if (!digits()) fail("bad number");
        }
        const std::string tok(s_.substr(start, i_ - start));
        return Json(std::strtod(tok.c_str(), nullptr));
    }

    std::string_view s_;
    const std::string& source_;
    size_t i_ = 0;
};

const Json::Array kEmptyArray;
const Json::Object kEmptyObject;

} // namespace

Json Json::parse(std::string_view text, const std::string& source) {
    return Parser(text, source).parseDocument();
}

Json Json::parseFile(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw EngineError(path, "cannot open");
    std::stringstream ss;
    ss << f.rdbuf();
    return parse(ss.str(), path);
}

const Json::Array& Json::asArray() const {
    return arr_ ? *arr_ : kEmptyArray;
}
const Json::Object& Json::asObject() const {
    return obj_ ? *obj_ : kEmptyObject;
}

Json::Array& Json::mutArray() {
    if (type_ != Type::Array) *this = Json(Array{});
    return *arr_;
}

Json::Object& Json::mutObject() {
    if (type_ != Type::Object) *this = Json(Object{});
    return *obj_;
}

std::optional<int64_t> Json::asInteger() const {
    constexpr double kMax = 9007199254740992.0; // 2^53
    if (type_ != Type::Number || !(num_ >= -kMax && num_ <= kMax) || num_ != std::floor(num_))
        return std::nullopt;
    return static_cast<int64_t>(num_);
}

const Json* Json::find(std::string_view key) const {
    if (type_ != Type::Object) return nullptr;
    for (const auto& [k, v] : *obj_)
        if (k == key) return &v;
    return nullptr;
}

double Json::number(std::string_view key, double def) const {
    const Json* v = find(key);
    return v && v->isNumber() ? v->asNumber() : def;
}

std::string Json::string(std::string_view key, const std::string& def) const {
    const Json* v = find(key);
    return v && v->isString() ? v->asString() : def;
}

bool Json::boolean(std::string_view key, bool def) const {
    const Json* v = find(key);
    return v && v->isBool() ? v->asBool() : def;
}

void Json::set(std::string key, Json value) {
    Object& o = mutObject();
    for (auto& [k, v] : o)
        if (k == key) {
            v = std::move(value);
            return;
        }
    o.emplace_back(std::move(key), std::move(value));
}

void Json::push(Json value) {
    mutArray().push_back(std::move(value));
}

void jsonQuote(std::string& out, std::string_view s) {
    out += '"';
    for (const char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
                out += buf;
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

std::string Json::dump(int indent) const {
    std::string out;
    dumpTo(out, indent, 0);
    return out;
}

void Json::dumpTo(std::string& out, int indent, int level) const {
    auto newline = [&](int lvl) {
        if (indent < 0) return;
        out += '\n';
        out.append(static_cast<size_t>(indent * lvl), ' ');
    };
    switch (type_) {
    case Type::Null:
        out += "null";
        return;
    case Type::Bool:
        out += bool_ ? "true" : "false";
        return;
    case Type::Number: {
        if (!std::isfinite(num_)) {
            out += "null";
        } else if (num_ == std::floor(num_) && std::fabs(num_) < 1e15) {
            out += std::to_string(static_cast<int64_t>(num_));
        } else {
            // The shortest form that reads back as the same double (%.9g
            // alone lost digits: a dump did not parse back to its value).
            char buf[32];
            for (int prec = 9; prec <= 17; ++prec) {
                std::snprintf(buf, sizeof buf, "%.*g", prec, num_);
                if (std::strtod(buf, nullptr) == num_) break;
            }
            out += buf;
        }
        return;
    }
    case Type::String:
        jsonQuote(out, str_);
        return;
    case Type::Array: {
        out += '[';
        bool first = true;
        for (const Json& v : *arr_) {
            if (!first) out += ',';
            first = false;
            newline(level + 1);
            v.dumpTo(out, indent, level + 1);
        }
        if (!arr_->empty()) newline(level);
        out += ']';
        return;
    }
    case Type::Object: {
        out += '{';
        bool first = true;
        for (const auto& [k, v] : *obj_) {
            if (!first) out += ',';
            first = false;
            newline(level + 1);
            jsonQuote(out, k);
            out += indent < 0 ? ":" : ": ";
            v.dumpTo(out, indent, level + 1);
        }
        if (!obj_->empty()) newline(level);
        out += '}';
        return;
    }
    }
}

} // namespace mobi
