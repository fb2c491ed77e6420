#include "env/Bm25PorterStemmer.h"

#include <cstring>

namespace mobi {

namespace {

// The algorithm's working state: b[0..k] is the word being stemmed, j marks
// the end of the stem while a suffix is being tested.
struct Porter {
    std::string b;
    int k = 0;
    int j = 0;

    bool cons(int i) const {
        switch (b[i]) {
        case 'a':
        case 'e':
        case 'i':
        case 'o':
        case 'u':
            return false;
        case 'y':
            return i == 0 ? true : !cons(i - 1);
        default:
            return true;
        }
    }

    // The number of consonant-vowel sequences in b[0..j]: [C](VC)^m[V].
    int m() const {
        int n = 0;
        int i = 0;
        while (true) {
            if (i > j) return n;
            if (!cons(i)) break;
            ++i;
        }
        ++i;
        while (true) {
            while (true) {
                if (i > j) return n;
                if (cons(i)) break;
                ++i;
            }
            ++i;
            ++n;
            while (true) {
                if (i > j) return n;
                if (!cons(i)) break;
                ++i;
            }
            ++i;
        }
    }

    bool vowelInStem() const {
        for (int i = 0; i <= j; ++i)
            if (!cons(i)) return true;
        return false;
    }

    bool doubleC(int i) const { return i >= 1 && b[i] == b[i - 1] && cons(i); }

    // consonant-vowel-consonant ending at i, the last not w, x or y.
    bool cvc(int i) const {
        if (i < 2 || !cons(i) || cons(i - 1) || !cons(i - 2)) return false;
        const char ch = b[i];
        return !(ch == 'w' || ch == 'x' || ch == 'y');
    }

    bool ends(const char* s) {
        const int len = static_cast<int>(std::strlen(s));
        if (len > k + 1) return false;
        if (b.compare(k - len + 1, len, s) != 0) return false;
        j = k - len;
        return true;
    }

    // Replaces b[j+1..k] by s.
    void setTo(const char* s) {
        const int len = static_cast<int>(std::strlen(s));
        b.resize(j + 1);
        b += s;
        k = j + len;
    }

    void r(const char* s) {
        if (m() > 0) setTo(s);
    }

    // Plurals and -ed/-ing.
    void step1ab() {
        if (b[k] == 's') {
            if (ends("sses"))
                k -= 2;
            else if (ends("ies"))
                setTo("i");
            else if (k >= 1 && b[k - 1] != 's')
                --k;
        }
        if (ends("eed")) {
            if (m() > 0) --k;
        } else if ((ends("ed") || ends("ing")) && vowelInStem()) {
            k = j;
            if (ends("at"))
                setTo("ate");
            else if (ends("bl"))
                setTo("ble");
            else if (ends("iz"))
                setTo("ize");
            else if (doubleC(k)) {
                --k;
                const char ch = b[k];
                if (ch == 'l' || ch == 's' || ch == 'z') ++k;
            } else if (m() == 1 && cvc(k))
                setTo("e");
        }
    }

    // Terminal y to i when there is another vowel in the stem.
    void step1c() {
        if (ends("y") && vowelInStem()) b[k] = 'i';
    }

    // Double suffixes to single ones.
    void step2() {
        if (k < 1) return;
        switch (b[k - 1]) {
        case 'a':
            if (ends("ational")) {
                r("ate");
                break;
            }
            if (ends("tional")) r("tion");
            break;
        case 'c':
            if (ends("enci")) {
                r("ence");
                break;
            }
            if (ends("anci")) r("ance");
            break;
        case 'e':
            if (ends("izer")) r("ize");
            break;
        case 'l':
            if (ends("bli")) {
                r("ble");
                break;
            }
            if (ends("alli")) {
                r("al");
                break;
            }
            if (ends("entli")) {
                r("ent");
                break;
            }
            if (ends("eli")) {
                r("e");
                break;
            }
            if (ends("ousli")) r("ous");
            break;
        case 'o':
            if (ends("ization")) {
                r("ize");
                break;
            }
            if (ends("ation")) {
                r("ate");
                break;
            }
            if (ends("ator")) r("ate");
            break;
        case 's':
            if (ends("alism")) {
                r("al");
                break;
            }
            if (ends("iveness")) {
                r("ive");
                break;
            }
            if (ends("fulness")) {
                r("ful");
                break;
            }
            if (ends("ousness")) r("ous");
            break;
        case 't':
            if (ends("aliti")) {
                r("al");
                break;
            }
            if (ends("iviti")) {
                r("ive");
                break;
            }
            if (ends("biliti")) r("ble");
            break;
        case 'g':
            if (ends("logi")) r("log");
            break;
        default:
            break;
        }
    }

    // -ic-, -full, -ness etc.
    void step3() {
        switch (b[k]) {
        case 'e':
            if (ends("icate")) {
                r("ic");
                break;
            }
            if (ends("ative")) {
                r("");
                break;
            }
            if (ends("alize")) r("al");
            break;
        case 'i':
            if (ends("iciti")) r("ic");
            break;
        case 'l':
            if (ends("ical")) {
                r("ic");
                break;
            }
            if (ends("ful")) r("");
            break;
        case 's':
            if (ends("ness")) r("");
            break;
        default:
            break;
        }
    }

    // -ant, -ence etc. in context <c>vcvc<v>.
    void step4() {
        if (k < 1) return;
        switch (b[k - 1]) {
        case 'a':
            if (ends("al")) break;
            return;
        case 'c':
            if (ends("ance")) break;
            if (ends("ence")) break;
            return;
        case 'e':
            if (ends("er")) break;
            return;
        case 'i':
            if (ends("ic")) break;
            return;
        case 'l':
            if (ends("able")) break;
            if (ends("ible")) break;
            return;
        case 'n':
            if (ends("ant")) break;
            if (ends("ement")) break;
            if (ends("ment")) break;
            if (ends("ent")) break;
            return;
        case 'o':
            if (ends("ion") && j >= 0 && (b[j] == 's' || b[j] == 't')) break;
            if (ends("ou")) break;
            return;
        case 's':
            if (ends("ism")) break;
            return;
        case 't':
            if (ends("ate")) break;
            if (ends("iti")) break;
            return;
        case 'u':
            if (ends("ous")) break;
            return;
        case 'v':
            if (ends("ive")) break;
            return;
        case 'z':
            if (ends("ize")) break;
            return;
        default:
            return;
        }
        if (m() > 1) k = j;
    }

    // Final -e and -ll.
    void step5() {
        j = k;
        if (b[k] == 'e') {
            const int a = m();
            if (a > 1 || (a == 1 && !cvc(k - 1))) --k;
        }
        if (b[k] == 'l' && doubleC(k) && m() > 1) --k; // m() of the unshortened word
    }
};

} // namespace

std::string Bm25PorterStemmer::stem(const std::string& word) {
    size_t chars = 0; // code points: Lucene leaves words of 1-2 chars alone
    for (char c : word)
        chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    if (chars <= 2) return word;
    Porter p;
    p.b = word;
    p.k = static_cast<int>(word.size()) - 1;
    p.j = p.k;
    p.step1ab();
    if (p.k > 0) {
        p.step1c();
        p.step2();
        p.step3();
        p.step4();
        p.step5();
    }
    return p.b.substr(0, static_cast<size_t>(p.k) + 1);
}

} // namespace mobi
