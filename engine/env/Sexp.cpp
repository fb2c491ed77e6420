#include "env/Sexp.h"

#include "core/Error.h"

namespace mobi {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

bool Sexp::is(std::string_view word) const {
    return !isList && equalsIgnoreCase(atom, word);
}

namespace {

class Reader {
  public:
    Reader(std::string_view text, const std::string& source, int maxDepth)
        : text_(text), source_(source), maxDepth_(maxDepth) {}

    [[noreturn]] void fail(int line, const std::string& what) const {
        throw FormatError(source_, "line " + std::to_string(line) + ": " + what);
    }

    // Skips whitespace, commas and comments; returns false at end of text.
    bool skip() {
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == '\n') {
                ++line_;
                ++pos_;
            } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == ',') {
                ++pos_;
            } else if (c == ';') {
                while (pos_ < text_.size() && text_[pos_] != '\n')
                    ++pos_;
            } else {
                return true;
            }
        }
        return false;
    }

    Sexp readAtom() {
        Sexp s;
        s.line = line_;
        const size_t start = pos_;
        while (pos_ < text_.size()) {
            const unsigned char c = static_cast<unsigned char>(text_[pos_]);
            if (c == '(' || c == ')' || c == ';' || c == ',' || c == ' ' || c == '\t' ||
                c == '\n' || c == '\r' || c == '\f' || c == '\v')
                break;
            if (c < 0x20 || c == 0x7f) fail(line_, "control character in PDDL text");
            ++pos_;
        }
        s.atom = std::string(text_.substr(start, pos_ - start));
        return s;
    }

    // Reads the list whose '(' is at pos_. Iterative, with an explicit stack,
    // so the depth limit is the only bound on hostile nesting.
    Sexp readList() {
        std::vector<Sexp> stack;
        Sexp first;
        first.isList = true;
        first.line = line_;
        ++pos_;
        stack.push_back(std::move(first));
        while (true) {
            if (!skip())
                fail(stack.back().line, "unbalanced parentheses: '(' opened here is never closed");
            const char c = text_[pos_];
            if (c == '(') {
                if (static_cast<int>(stack.size()) >= maxDepth_)
                    fail(line_, "nesting deeper than " + std::to_string(maxDepth_) + " levels");
                Sexp s;
                s.isList = true;
                s.line = line_;
                ++pos_;
                stack.push_back(std::move(s));
            } else if (c == ')') {
                ++pos_;
                Sexp done = std::move(stack.back());
                stack.pop_back();
                if (stack.empty()) return done;
                stack.back().items.push_back(std::move(done));
            } else {
                stack.back().items.push_back(readAtom());
            }
        }
    }

    Sexp parseOne() {
        if (!skip()) fail(line_, "empty PDDL text (expected '(define ...)')");
        if (text_[pos_] == ')') fail(line_, "unbalanced parentheses: unexpected ')'");
        if (text_[pos_] != '(')
            fail(line_, "expected '(' at top level, found '" + readAtom().atom + "'");
        Sexp top = readList();
        if (skip()) {
            if (text_[pos_] == ')') fail(line_, "unbalanced parentheses: unexpected ')'");
            fail(line_, "unexpected content after the top-level list");
        }
        return top;
    }

  private:
    std::string_view text_;
    const std::string& source_;
    int maxDepth_;
    size_t pos_ = 0;
    int line_ = 1;
};

} // namespace

Sexp Sexp::parseOne(std::string_view text, const std::string& source, int maxDepth) {
    return Reader(text, source, maxDepth).parseOne();
}

} // namespace mobi
