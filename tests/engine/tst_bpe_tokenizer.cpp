// Byte-level BPE (hand-derived cases on a small vocabulary), the
// pre-tokenizer splits against published references, tokenizer.json reading
// and writing, and Llama-2's SentencePiece vocabulary round-tripped through
// tokenizer.json encoding exactly as the SentencePiece encoder does.
#include "TestData.h"

#include "core/Error.h"
#include "tokenizer/BpeTokenizer.h"
#include "tokenizer/PreTokenizer.h"
#include "tokenizer/SentencePieceTokenizer.h"
#include "tokenizer/TokenizerJson.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sstream>

using namespace mobi;

namespace {

using Words = std::vector<std::string>;

// GPT-2's bytes_to_unicode written out again for the test: bytes that are
// printable Latin-1 keep their code point, the rest get U+0100.. in order.
std::string byteChar(int b) {
    static std::vector<std::string> table = [] {
        std::vector<std::string> t(256);
        int next = 256;
        for (int i = 0; i < 256; ++i) {
            const bool keep = (i >= '!' && i <= '~') || (i >= 0xA1 && i <= 0xAC) || i >= 0xAE;
            const int cp = keep ? i : next++;
            std::string s;
            if (cp < 0x80) {
                s += static_cast<char>(cp);
            } else {
                s += static_cast<char>(0xC0 | (cp >> 6));
                s += static_cast<char>(0x80 | (cp & 0x3F));
            }
            t[i] = s;
        }
        return t;
    }();
    return table[b];
}

const std::string G = byteChar(' '); // "Ġ"

// Ids 0..255: the byte characters in byte order; then one token per merge.
struct SmallVocab {
    BpeVocab vocab;
    int eot = -1, tool = -1;
};

SmallVocab smallVocab() {
    SmallVocab s;
    for (int b = 0; b < 256; ++b)
        s.vocab.tokens.push_back(byteChar(b));
    const std::vector<std::pair<std::string, std::string>> merges = {
        {G, "t"},        {"h", "e"}, {G + "t", "he"}, {"a", "t"},  {"c", "at"}, {G, "c"},
        {G + "c", "at"}, {"'", "s"}, {"1", "2"},      {"12", "3"}, {"a", "a"},
    };
    for (const auto& [a, b] : merges) {
        s.vocab.merges.push_back(a + " " + b);
        s.vocab.tokens.push_back(a + b);
    }
    s.vocab.types.assign(s.vocab.tokens.size(), static_cast<int>(TokenType::Normal));
    s.eot = static_cast<int>(s.vocab.tokens.size());
    s.vocab.tokens.push_back("<|eot|>");
    s.vocab.types.push_back(static_cast<int>(TokenType::Control));
    s.tool = static_cast<int>(s.vocab.tokens.size());
    s.vocab.tokens.push_back("<tool>");
    s.vocab.types.push_back(static_cast<int>(TokenType::UserDefined));
    return s;
}

Words pieces(const Tokenizer& t, const std::vector<int>& ids) {
    Words w;
    for (int id : ids)
        w.push_back(t.piece(id));
    return w;
}

QString show(const Words& w) {
    QStringList l;
    for (const auto& s : w)
        l << QString::fromStdString("[" + s + "]");
    return l.join(' ');
}

#define COMPARE_WORDS(got, want)                                                                   \
    do {                                                                                           \
        const Words g_ = (got), w_ = (want);                                                       \
        if (g_ != w_)                                                                              \
            QFAIL(qPrintable(QStringLiteral("got ") + show(g_) + QStringLiteral("\nwant ") +       \
                             show(w_)));                                                           \
    } while (0)

std::string readFile(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void writeFile(const QString& path, const std::string& text) {
    std::ofstream f(path.toStdString(), std::ios::binary);
    f << text;
}

std::vector<std::string> lines(const std::string& path, size_t maxLines) {
    std::vector<std::string> out;
    std::istringstream in(readFile(path));
    std::string line;
    while (out.size() < maxLines && std::getline(in, line))
        out.push_back(line);
    return out;
}

} // namespace

class TstBpeTokenizer : public QObject {
    Q_OBJECT
  private slots:
    // (c) Published splits. Hugging Face tokenizers'
    // tokenizers/src/pre_tokenizers/byte_level.rs tests (pre_tokenization,
    // handling_of_newlines, handling_of_multiple_whitespaces) and the HF NLP
    // course, chapter 6 ("Normalization and pre-tokenization": GPT-2 on
    // "Hello, how are  you?"). Their Ġ/Ċ are the byte-level forms of ' '/'\n'.
    void gpt2PublishedSplits() {
        COMPARE_WORDS(
            preTokenize(PreTokenizer::Gpt2, "Hello my friend, how is your day going?"),
            (Words{"Hello", " my", " friend", ",", " how", " is", " your", " day", " going", "?"}));
        COMPARE_WORDS(preTokenize(PreTokenizer::Gpt2, "Hello there\nHello there"),
                      (Words{"Hello", " there", "\n", "Hello", " there"}));
        COMPARE_WORDS(preTokenize(PreTokenizer::Gpt2, "Hello there       dear"),
                      (Words{"Hello", " there", "      ", " dear"}));
        COMPARE_WORDS(preTokenize(PreTokenizer::Gpt2, "Hello, how are  you?"),
                      (Words{"Hello", ",", " how", " are", " ", " you", "?"}));
    }

    // Hand-derived from the regexes (leftmost alternative first, greedy with
    // backtracking, findall from left to right).
    void contractions() {
        // GPT-2's contractions are case-sensitive, Llama-3's and Qwen2's are not.
        COMPARE_WORDS(preTokenize(PreTokenizer::Gpt2, "He'S HERE'LL we're"),
                      (Words{"He", "'", "S", " HERE", "'", "LL", " we", "'re"}));
        COMPARE_WORDS(preTokenize(PreTokenizer::Llama3, "He'S HERE'LL we're"),
                      (Words{"He", "'S", " HERE", "'LL", " we", "'re"}));
        COMPARE_WORDS(preTokenize(PreTokenizer::Qwen2, "He'S HERE'LL we're"),
                      (Words{"He", "'S", " HERE", "'LL", " we", "'re"}));
        // 's wins over the letter alternative even inside a word.
        COMPARE_WORDS(preTokenize(PreTokenizer::Gpt2, "'sa"), (Words{"'s", "a"}));
    }
    void digits() {
        COMPARE_WORDS(preTokenize(PreTokenizer::Gpt2, "1234567 x 12"),
                      (Words{"1234567", " x", " 12"}));
        COMPARE_WORDS(preTokenize(PreTokenizer::Llama3, "1234567 x 12"),
                      (Words{"123", "456", "7", " x", " ", "12"}));
        COMPARE_WORDS(preTokenize(PreTokenizer::Qwen2, "1234 x"),
                      (Words{"1", "2", "3", "4", " x"}));
        // U+0661..U+0664 ARABIC-INDIC DIGITs are \p{N}.
        COMPARE_WORDS(preTokenize(PreTokenizer::Llama3, "\xD9\xA1\xD9\xA2\xD9\xA3\xD9\xA4"),
                      (Words{"\xD9\xA1\xD9\xA2\xD9\xA3", "\xD9\xA4"}));
    }
    void whitespaceRuns() {
        // \s+(?!\S) leaves the last space for the next word, except at the end.
        COMPARE_WORDS(preTokenize(PreTokenizer::Gpt2, "a   b   "), (Words{"a", "  ", " b", "   "}));
        COMPARE_WORDS(preTokenize(PreTokenizer::Llama3, "a   b   "),
                      (Words{"a", "  ", " b", "   "}));
        // Llama-3's \s*[\r\n]+ ends at the last newline of the run.
        COMPARE_WORDS(preTokenize(PreTokenizer::Llama3, "a\n  b"), (Words{"a", "\n", " ", " b"}));
        COMPARE_WORDS(preTokenize(PreTokenizer::Gpt2, "a\n  b"), (Words{"a", "\n ", " b"}));
        COMPARE_WORDS(preTokenize(PreTokenizer::Llama3, "a \r\n\n b"),
                      (Words{"a", " \r\n\n", " b"}));
        // U+3000 IDEOGRAPHIC SPACE is \s; Llama-3 lets it lead a word.
        COMPARE_WORDS(preTokenize(PreTokenizer::Gpt2, "a\xE3\x80\x80"
                                                      "b"),
                      (Words{"a", "\xE3\x80\x80", "b"}));
        COMPARE_WORDS(preTokenize(PreTokenizer::Llama3, "a\xE3\x80\x80"
                                                        "b"),
                      (Words{"a", "\xE3\x80\x80"
                                  "b"}));
    }
    void punctuationAndScripts() {
        COMPARE_WORDS(preTokenize(PreTokenizer::Gpt2, "hi!!!\n\nyo (ok)"),
                      (Words{"hi", "!!!", "\n", "\n", "yo", " (", "ok", ")"}));
        COMPARE_WORDS(preTokenize(PreTokenizer::Llama3, "hi!!!\n\nyo (ok)"),
                      (Words{"hi", "!!!\n\n", "yo", " (", "ok", ")"}));
        COMPARE_WORDS(preTokenize(PreTokenizer::Llama3, "(ok)"), (Words{"(ok", ")"}));
        // Non-ASCII letters are \p{L}; an emoji is [^\s\p{L}\p{N}].
        COMPARE_WORDS(preTokenize(PreTokenizer::Gpt2, "caf\xC3\xA9 na\xC3\xAFve \xCE\xB1\xCE\xB2"),
                      (Words{"caf\xC3\xA9", " na\xC3\xAFve", " \xCE\xB1\xCE\xB2"}));
        COMPARE_WORDS(preTokenize(PreTokenizer::Gpt2, "hi \xF0\x9F\x98\x80\xF0\x9F\x98\x80!"),
                      (Words{"hi", " \xF0\x9F\x98\x80\xF0\x9F\x98\x80!"}));
        COMPARE_WORDS(preTokenize(PreTokenizer::Llama3, "hi \xF0\x9F\x98\x80!\n"),
                      (Words{"hi", " \xF0\x9F\x98\x80!\n"}));
        COMPARE_WORDS(preTokenize(PreTokenizer::None, "a b"), (Words{"a b"}));
        QVERIFY(preTokenize(PreTokenizer::Gpt2, "").empty());
    }

    // (a) BPE on the small vocabulary: expected pieces worked out by hand
    // from the merge ranks (lowest rank first, leftmost on ties).
    void bpeMergeOrder() {
        SmallVocab s = smallVocab();
        BpeTokenizer t(s.vocab, BpeTokenizer::Mode::ByteLevel, PreTokenizer::Gpt2, -1, -1, false);
        // "the": only (h,e) merges -> t|he.   " the": (Ġ,t) rank 0, (h,e) rank 1,
        // then (Ġt,he) rank 2.   " cat": (a,t) rank 3 beats (Ġ,c) rank 5, then
        // (c,at) rank 4 leaves Ġ alone although Ġcat is in the vocabulary.
        COMPARE_WORDS(pieces(t, t.encode("the the cat's", false)),
                      (Words{"t", "he", G + "the", G, "cat", "'s"}));
        // Equal ranks: leftmost first, so "aaa" -> aa|a and "aaaa" -> aa|aa.
        COMPARE_WORDS(pieces(t, t.encode("aaa aaaa", false)), (Words{"aa", "a", G, "aa", "aa"}));
        COMPARE_WORDS(pieces(t, t.encode("1234", false)), (Words{"123", "4"}));
        // Non-ASCII: one byte-level character per UTF-8 byte.
        COMPARE_WORDS(pieces(t, t.encode("\xC3\xA9\xF0\x9F\x98\x80", false)),
                      (Words{byteChar(0xC3), byteChar(0xA9), byteChar(0xF0), byteChar(0x9F),
                             byteChar(0x98), byteChar(0x80)}));
        const std::string text = "the cat's 1234 \xC3\xA9\n\t \xF0\x9F\x98\x80 end  ";
        QCOMPARE(t.decode(t.encode(text, false)), text);
    }
    void llama3IgnoresMergesForWholeWords() {
        SmallVocab s = smallVocab();
        BpeTokenizer t(s.vocab, BpeTokenizer::Mode::ByteLevel, PreTokenizer::Llama3, -1, -1, false);
        QVERIFY(t.ignoresMerges());
        COMPARE_WORDS(pieces(t, t.encode(" cat", false)), (Words{G + "cat"}));
        BpeTokenizer q(s.vocab, BpeTokenizer::Mode::ByteLevel, PreTokenizer::Qwen2, -1, -1, false);
        COMPARE_WORDS(pieces(q, q.encode(" cat", false)), (Words{G, "cat"}));
    }
    void specialTokensAndBos() {
        SmallVocab s = smallVocab();
        BpeTokenizer t(s.vocab, BpeTokenizer::Mode::ByteLevel, PreTokenizer::Gpt2, s.eot, s.eot,
                       true);
        // User-defined tokens are always split out; control tokens only with parseSpecial.
        std::vector<int> ids = t.encode("at<tool>at<|eot|>", true);
        QCOMPARE(ids.front(), s.eot); // BOS
        QCOMPARE(ids[1], 259);        // "at"
        QCOMPARE(ids[2], s.tool);
        QCOMPARE(ids[3], 259);
        QVERIFY(std::find(ids.begin() + 1, ids.end(), s.eot) == ids.end());
        t.setParseSpecial(true);
        ids = t.encode("at<tool>at<|eot|>", false);
        QCOMPARE(ids, (std::vector<int>{259, s.tool, 259, s.eot}));
        QCOMPARE(t.decode(ids), std::string("at<tool>at"));
        // No BOS when the vocabulary does not add one.
        BpeTokenizer noBos(s.vocab, BpeTokenizer::Mode::ByteLevel, PreTokenizer::Gpt2, s.eot, s.eot,
                           false);
        QCOMPARE(noBos.encode("at", true), std::vector<int>{259});
        QVERIFY_THROWS_EXCEPTION(EngineError, t.decodeToken(-1, t.vocabSize()));
    }
    void preTokenizerNames() {
        QCOMPARE(BpeTokenizer::preTokenizerFromName("llama-bpe"), PreTokenizer::Llama3);
        QCOMPARE(BpeTokenizer::preTokenizerFromName("llama3"), PreTokenizer::Llama3);
        QCOMPARE(BpeTokenizer::preTokenizerFromName("qwen2"), PreTokenizer::Qwen2);
        QCOMPARE(BpeTokenizer::preTokenizerFromName("gpt2"), PreTokenizer::Gpt2);
        QCOMPARE(BpeTokenizer::preTokenizerFromName("default"), PreTokenizer::Gpt2);
        QCOMPARE(BpeTokenizer::preTokenizerFromName(""), PreTokenizer::Gpt2);
        QCOMPARE(BpeTokenizer::preTokenizerFromName("something-new"), PreTokenizer::Gpt2);
        QCOMPARE(std::string(BpeTokenizer::preTokenizerName(PreTokenizer::Qwen2)),
                 std::string("qwen2"));
    }

    // tokenizer.json written for each pre-tokenizer reads back to the same ids.
    void byteLevelJsonRoundTrip() {
        QTemporaryDir dir;
        SmallVocab s = smallVocab();
        const std::string text = "He'S here 1234567 the  cat's aaa\n\n \xC3\xA9 <tool> x";
        for (PreTokenizer p : {PreTokenizer::Gpt2, PreTokenizer::Llama3, PreTokenizer::Qwen2}) {
            BpeTokenizer t(s.vocab, BpeTokenizer::Mode::ByteLevel, p, s.eot, s.eot, true);
            const QString path = dir.filePath(QString("t%1.json").arg(int(p)));
            writeTokenizerJson(t, path.toStdString());
            auto back = BpeTokenizer::fromTokenizerJson(path.toStdString());
            QCOMPARE(back->preTokenizer(), p);
            QCOMPARE(back->mode(), BpeTokenizer::Mode::ByteLevel);
            QCOMPARE(back->bos(), s.eot);
            QCOMPARE(back->vocabSize(), t.vocabSize());
            QCOMPARE(back->ignoresMerges(), t.ignoresMerges());
            QCOMPARE(back->encode(text, true), t.encode(text, true));
        }
    }

    void malformedJson() {
        QTemporaryDir dir;
        const QString path = dir.filePath("tokenizer.json");
        const std::string head = R"({"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"BPE",)";
        auto expectError = [&](const std::string& body, bool unsupported, const char* needle) {
            writeFile(path, body);
            try {
                BpeTokenizer::fromTokenizerJson(path.toStdString());
                QFAIL(qPrintable(QString("accepted: ") + QString::fromStdString(body)));
            } catch (const UnsupportedError& e) {
                QVERIFY2(unsupported, e.what());
                QVERIFY2(std::string(e.what()).find(path.toStdString()) == 0, e.what());
                QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
            } catch (const FormatError& e) {
                QVERIFY2(!unsupported, e.what());
                QVERIFY2(std::string(e.what()).find(path.toStdString()) == 0, e.what());
                QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
            }
        };
        expectError(head + R"("vocab":{"a":0,"b":5},"merges":[]}})", false, "id 5");
        expectError(head + R"("vocab":{"a":0,"b":0},"merges":[]}})", false, "token id 0");
        expectError(head + R"("vocab":{"a":0,"a":1},"merges":[]}})", false, "two ids");
        expectError(head + R"("vocab":{"a":0,"b":-1},"merges":[]}})", false, "id -1");
        expectError(head + R"("vocab":{"a":0,"b":1.5},"merges":[]}})", false, "id 1.5");
        expectError(head + R"("vocab":{"a":0,"b":1},"merges":["a c"]}})", false, "unknown token");
        expectError(head + R"("vocab":{"a":0,"b":1},"merges":["a b"]}})", false,
                    "not in the vocabulary");
        expectError(head + R"("vocab":{"a":0,"b":1},"merges":["ab"]}})", false, "merge 0");
        expectError(head + R"("vocab":{"a":0},"merges":[7]}})", false, "merge 0");
        expectError(R"({"model":{"type":"Unigram","vocab":[]}})", true, "Unigram");
        expectError(
            R"({"pre_tokenizer":{"type":"Split","pattern":{"Regex":"\\w+"}},"model":{"type":"BPE","vocab":{"a":0},"merges":[]}})",
            true, "regex");
        expectError(R"({"model":{"type":"BPE","vocab":{"a":0},"merges":[]}})", true, "neither");
        expectError("[1,2]", false, "not a JSON object");
        expectError("{\"model\":", false, "JSON");
    }

    // (b) Llama-2's 32k SentencePiece vocabulary -> tokenizer.json -> BPE
    // with byte fallback must encode every line as the SentencePiece encoder.
    void llama2RoundTrip() {
        REQUIRE_DATA("models/llama2-tokenizer32k/tokenizer.bin");
        REQUIRE_DATA("text/TinyStories-valid.head30k.txt");
        REQUIRE_DATA("text/wikitext2.valid.txt");
        auto sp = SentencePieceTokenizer::loadLlama2cFile(
            testdata::stdPath("models/llama2-tokenizer32k/tokenizer.bin"), 32000);
        QTemporaryDir dir;
        const std::string path = dir.filePath("tokenizer.json").toStdString();
        writeTokenizerJson(*sp, path);
        auto bpe = BpeTokenizer::fromTokenizerJson(path);
        QCOMPARE(bpe->mode(), BpeTokenizer::Mode::SpmCompatible);
        QCOMPARE(bpe->vocabSize(), 32000);
        QCOMPARE(bpe->bos(), 1);
        QCOMPARE(bpe->eos(), 2);
        QVERIFY(bpe->addsBos());
        QCOMPARE(bpe->piece(29871), std::string("\xE2\x96\x81")); // llama2.c's " "

        // Written again from the BPE tokenizer: the same ids once more.
        const std::string path2 = dir.filePath("again.json").toStdString();
        writeTokenizerJson(*bpe, path2);
        auto bpe2 = BpeTokenizer::fromTokenizerJson(path2);

        std::vector<std::string> text =
            lines(testdata::stdPath("text/TinyStories-valid.head30k.txt"), SIZE_MAX);
        const size_t tiny = text.size();
        for (auto& l : lines(testdata::stdPath("text/wikitext2.valid.txt"), 2000))
            text.push_back(std::move(l));
        QVERIFY(text.size() > 2000);
        size_t mismatches = 0, tokens = 0;
        for (size_t i = 0; i < text.size(); ++i) {
            const std::vector<int> want = sp->encode(text[i], true);
            const std::vector<int> got = bpe->encode(text[i], true);
            tokens += want.size();
            if (got != want || bpe2->encode(text[i], true) != want) {
                if (++mismatches <= 5)
                    qWarning("line %zu (%s) differs: %s", i, i < tiny ? "TinyStories" : "wikitext",
                             text[i].c_str());
            }
            if (i < 200) QCOMPARE(bpe->decode(got), sp->decode(want));
        }
        qInfo("%zu lines, %zu tokens, %zu mismatches", text.size(), tokens, mismatches);
        QCOMPARE(mismatches, size_t(0));
        QCOMPARE(bpe->encode("", true), std::vector<int>{1});
    }
};

QTEST_APPLESS_MAIN(TstBpeTokenizer)
#include "tst_bpe_tokenizer.moc"
