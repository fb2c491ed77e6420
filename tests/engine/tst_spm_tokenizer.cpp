// SentencePiece tokenizers: llama.cpp/HF reference ids on the Llama-2 vocabulary, both
// flavors agreeing, byte fallback, a naive run.c transliteration as a second reference.
#include "TestData.h"

#include "core/Error.h"
#include "tokenizer/SentencePieceTokenizer.h"

#include <QFile>
#include <QTemporaryDir>

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>

using mobi::SentencePieceTokenizer;
using mobi::SpmVocab;

namespace {

// Minimal GGUF metadata reader for the vocabulary only, written here so the
// tokenizer is tested against the file independently of the engine's GGUF code.
struct GgufVocab {
    SpmVocab vocab;
    int bos = -1, eos = -1;
    bool addSpacePrefix = true;
};

GgufVocab readGgufVocab(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) throw std::runtime_error("cannot open " + path.toStdString());
    const QByteArray all = f.readAll();
    const auto* p = reinterpret_cast<const uint8_t*>(all.constData());
    const size_t size = static_cast<size_t>(all.size());
    size_t o = 0;
    auto need = [&](size_t n) {
        if (n > size - o) throw std::runtime_error("gguf truncated");
    };
    auto u32 = [&] {
        need(4);
        uint32_t v;
        std::memcpy(&v, p + o, 4);
        o += 4;
        return v;
    };
    auto u64 = [&] {
        need(8);
        uint64_t v;
        std::memcpy(&v, p + o, 8);
        o += 8;
        return v;
    };
    auto str = [&] {
        const uint64_t n = u64();
        need(n);
        std::string s(reinterpret_cast<const char*>(p + o), n);
        o += n;
        return s;
    };
    if (size < 4 || std::memcmp(p, "GGUF", 4) != 0) throw std::runtime_error("not gguf");
    o = 4;
    u32(); // version
    u64(); // tensor count
    const uint64_t nkv = u64();
    static const size_t scalarSize[13] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    GgufVocab g;
    for (uint64_t i = 0; i < nkv; ++i) {
        const std::string key = str();
        const uint32_t type = u32();
        if (type == 9) {
            const uint32_t at = u32();
            const uint64_t n = u64();
            for (uint64_t k = 0; k < n; ++k) {
                if (at == 8) {
                    std::string s = str();
                    if (key == "tokenizer.ggml.tokens") g.vocab.pieces.push_back(std::move(s));
                } else {
                    const size_t sz = scalarSize[at];
                    need(sz);
                    if (key == "tokenizer.ggml.scores") {
                        float v;
                        std::memcpy(&v, p + o, 4);
                        g.vocab.scores.push_back(v);
                    } else if (key == "tokenizer.ggml.token_type") {
                        int32_t v;
                        std::memcpy(&v, p + o, 4);
                        g.vocab.types.push_back(v);
                    }
                    o += sz;
                }
            }
        } else if (type == 8) {
            str();
        } else {
            const size_t sz = scalarSize[type];
            need(sz);
            uint64_t v = 0;
            std::memcpy(&v, p + o, sz);
            o += sz;
            if (key == "tokenizer.ggml.bos_token_id") g.bos = static_cast<int>(v);
            if (key == "tokenizer.ggml.eos_token_id") g.eos = static_cast<int>(v);
            if (key == "tokenizer.ggml.add_space_prefix") g.addSpacePrefix = v != 0;
        }
    }
    return g;
}

std::shared_ptr<SentencePieceTokenizer> ggufTokenizer(const QString& rel) {
    GgufVocab g = readGgufVocab(testdata::path(rel));
    return std::make_shared<SentencePieceTokenizer>(std::move(g.vocab), g.bos, g.eos,
                                                    SentencePieceTokenizer::Flavor::LlamaCpp,
                                                    g.addSpacePrefix);
}

// A literal transliteration of llama2.c run.c encode() (O(n^2) rescans, a
// plain map instead of bsearch), the second computation the fast encoder is
// checked against.
std::vector<int> naiveRunC(const SpmVocab& v, const std::string& text, bool bos) {
    std::map<std::string, int> idx;
    for (size_t i = 0; i < v.pieces.size(); ++i)
        idx.emplace(v.pieces[i], static_cast<int>(i));
    auto find = [&](const std::string& s) {
        auto it = idx.find(s);
        return it == idx.end() ? -1 : it->second;
    };
    std::vector<int> tokens;
    if (bos) tokens.push_back(1);
    if (!text.empty()) tokens.push_back(find(" "));
    std::string buf;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if ((c & 0xC0) != 0x80) buf.clear();
        buf += c;
        if (i + 1 < text.size() && (text[i + 1] & 0xC0) == 0x80 && buf.size() < 4) continue;
        const int id = find(buf);
        if (id != -1) {
            tokens.push_back(id);
        } else {
            for (unsigned char b : buf)
                tokens.push_back(b + 3);
        }
        buf.clear();
    }
    const size_t first = bos ? 1 : 0; // BOS never merges with real pieces
    while (true) {
        float best = -1e10f;
        int bestId = -1;
        size_t bestIdx = 0;
        for (size_t i = first; i + 1 < tokens.size(); ++i) {
            const int id = find(v.pieces[tokens[i]] + v.pieces[tokens[i + 1]]);
            if (id != -1 && v.scores[id] > best) {
                best = v.scores[id];
                bestId = id;
                bestIdx = i;
            }
        }
        if (bestId == -1) break;
        tokens[bestIdx] = bestId;
        tokens.erase(tokens.begin() + static_cast<long>(bestIdx) + 1);
    }
    return tokens;
}

QStringList readLines(const QString& rel) {
    QFile f(testdata::path(rel));
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'));
}

QString idsString(const std::vector<int>& ids) {
    QStringList s;
    for (int id : ids)
        s << QString::number(id);
    return s.join(QLatin1Char(' '));
}

struct RefCase {
    const char* text;
    std::vector<int> ids;
};

// Expected ids from llama.cpp's models/ggml-vocab-llama-spm.gguf.out (written by
// convert_hf_to_gguf_update.py with HF AutoTokenizer.encode(text,
// add_special_tokens=False) on meta-llama/Llama-2-7b-hf; test-tokenizer-0 checks
// llama.cpp against it). Inputs are that script's `tests` list.
const std::vector<RefCase>& referenceCases() {
    static const std::vector<RefCase> cases = {
        {"ied 4 \xC2\xBD months", {474, 287, 29871, 29946, 29871, 30226, 7378}},
        {"F\xC3\xBChrer", {383, 4000, 261}},
        {"", {}},
        {" ", {259}},
        {"  ", {1678}},
        {"   ", {268}},
        {"\t", {29871, 12}},
        {"\n", {29871, 13}},
        {"\n\n", {29871, 13, 13}},
        {"\n\n\n", {29871, 13, 13, 13}},
        {"\t\n", {29871, 12, 13}},
        {"Hello world", {15043, 3186}},
        {" Hello world", {29871, 15043, 3186}},
        {"Hello World", {15043, 2787}},
        {" Hello World", {29871, 15043, 2787}},
        {" Hello World!", {29871, 15043, 2787, 29991}},
        {"Hello, world!", {15043, 29892, 3186, 29991}},
        {" Hello, world!", {29871, 15043, 29892, 3186, 29991}},
        {" this is \xF0\x9F\xA6\x99.cpp",
         {29871, 445, 338, 29871, 243, 162, 169, 156, 29889, 8223}},
        {"w048 7tuijk dsdfhu",
         {281, 29900, 29946, 29947, 29871, 29955, 9161, 13535, 18031, 2176, 6905}},
        {"\xD0\xBD\xD0\xB5\xD1\x89\xD0\xBE \xD0\xBD\xD0\xB0 "
         "\xD0\x91\xD1\x8A\xD0\xBB\xD0\xB3\xD0\xB0\xD1\x80\xD1\x81\xD0\xBA\xD0\xB8",
         {1538, 4851, 665, 1386, 29713, 1305}},
        {"\u1780\u17B6\u1793\u17CB\u178F\u17C2\u1796\u17B7\u179F\u17C1\u179F\u17A2\u17B6\u1785"
         "\u1781\u179B\u1785\u17C1\u1789",
         {29871, 31849, 31324, 31934, 228, 162, 142, 228,   161, 146, 228, 162,
          133,   228,   161,   153,   228, 161, 186, 31708, 228, 162, 132, 31708,
          228,   161,   165,   31324, 228, 161, 136, 228,   161, 132, 228, 161,
          158,   228,   161,   136,   228, 162, 132, 228,   161, 140}},
        {"\U0001F680 (normal) \U0001F636\u200D\U0001F32B\uFE0F (multiple emojis concatenated) "
         "\u2705 (only emoji that has its own token)",
         {29871, 243, 162,  157, 131,   313,  8945,  29897, 29871, 243,  162,   155,  185,   30722,
          243,   162, 143,  174, 30598, 313,  20787, 953,   3848,  275,  16125, 630,  29897, 29871,
          31681, 313, 6194, 953, 29877, 2397, 393,   756,   967,   1914, 5993,  29897}},
        {"Hello", {15043}},
        {" Hello", {29871, 15043}},
        {"  Hello", {259, 15043}},
        {"   Hello", {1678, 15043}},
        {"    Hello", {268, 15043}},
        {"    Hello\n    Hello", {268, 15043, 13, 1678, 15043}},
        {" (", {29871, 313}},
        {"\n =", {29871, 13, 353}},
        {"' era", {525, 3152}},
        {"Hello, y'all! How are you \U0001F601 ?\u6211\u60F3\u5728apple\u5DE5\u4F5C1314151\u5929"
         "\uFF5E",
         {15043, 29892, 343,   29915, 497,   29991, 1128,  526,   366,   29871,
          243,   162,   155,   132,   1577,  30672, 31522, 30505, 11548, 31041,
          30732, 29896, 29941, 29896, 29946, 29896, 29945, 29896, 30408, 30739}},
        {"3", {29871, 29941}},
        {"33", {29871, 29941, 29941}},
        {"333", {29871, 29941, 29941, 29941}},
        {"333333333", {29871, 29941, 29941, 29941, 29941, 29941, 29941, 29941, 29941, 29941}},
    };
    return cases;
}

} // namespace

class TestSpmTokenizer : public QObject {
    Q_OBJECT

    std::shared_ptr<SentencePieceTokenizer> bin32k_;  // llama2.c tokenizer.bin, run.c flavor
    std::shared_ptr<SentencePieceTokenizer> gguf32k_; // GGUF vocabulary, llama.cpp flavor

    bool have32k() const { return bin32k_ && gguf32k_; }

  private slots:
    void initTestCase() {
        const QString bin = QStringLiteral("models/llama2-tokenizer32k/tokenizer.bin");
        const QString gguf =
            QStringLiteral("models/tiny-random-llama2-gguf/llama-2-tiny-random.gguf");
        if (QFileInfo::exists(testdata::path(bin)))
            bin32k_ = SentencePieceTokenizer::loadLlama2cFile(testdata::stdPath(bin), 32000);
        if (QFileInfo::exists(testdata::path(gguf))) gguf32k_ = ggufTokenizer(gguf);
    }

    void vocabularies() {
        if (!have32k()) QSKIP("Llama-2 vocabularies not found in the shared data");
        QCOMPARE(bin32k_->vocabSize(), 32000);
        QCOMPARE(gguf32k_->vocabSize(), 32000);
        QCOMPARE(bin32k_->bos(), 1);
        QCOMPARE(bin32k_->eos(), 2);
        QCOMPARE(gguf32k_->bos(), 1);
        QCOMPARE(gguf32k_->eos(), 2);
        QCOMPARE(bin32k_->piece(15043), std::string(" Hello"));
        QCOMPARE(gguf32k_->piece(15043), std::string("\xE2\x96\x81Hello"));
        // tokenizer.bin has no types: they are inferred from the pieces.
        QCOMPARE(bin32k_->vocab().types[13], int(mobi::TokenType::Byte));
        QCOMPARE(bin32k_->vocab().types[1], int(mobi::TokenType::Control));
        QCOMPARE(bin32k_->vocab().types[0], int(mobi::TokenType::Unknown));
        QCOMPARE(bin32k_->vocab().types[15043], int(mobi::TokenType::Normal));
    }

    void referenceIds() {
        if (!have32k()) QSKIP("Llama-2 vocabularies not found in the shared data");
        int n = 0;
        for (const RefCase& c : referenceCases()) {
            for (auto* tok : {bin32k_.get(), gguf32k_.get()}) {
                const std::vector<int> got = tok->encode(c.text, false);
                QVERIFY2(got == c.ids,
                         qPrintable(QStringLiteral("%1 flavor, text '%2': got [%3], expected [%4]")
                                        .arg(tok == bin32k_.get() ? "llama2c" : "llamacpp")
                                        .arg(QString::fromUtf8(c.text))
                                        .arg(idsString(got))
                                        .arg(idsString(c.ids))));
                std::vector<int> withBos{1};
                withBos.insert(withBos.end(), c.ids.begin(), c.ids.end());
                QVERIFY(tok->encode(c.text, true) == withBos);
                // Decoding after BOS gives the text back (byte fallback included).
                QCOMPARE(tok->decode(withBos), std::string(c.text));
            }
            ++n;
        }
        QCOMPARE(n, 37);
    }

    // Special-token text: plain text by default (llama.cpp's parse_special =
    // false), the control token with setParseSpecial(true) (llama.cpp's
    // parse_special = true, as Hugging Face tokenizers behave): the text
    // after it gets the space prefix again, as after BOS. run.c's flavor has
    // no special-token text and is unchanged.
    void parseSpecial() {
        if (!have32k()) QSKIP("Llama-2 vocabularies not found in the shared data");
        const std::string text = "<s>Hello</s>";
        QVERIFY(!gguf32k_->parseSpecial());
        const std::vector<int> plain = gguf32k_->encode(text, false);
        QVERIFY(std::find(plain.begin(), plain.end(), 1) == plain.end());
        QVERIFY(std::find(plain.begin(), plain.end(), 2) == plain.end());
        QCOMPARE(gguf32k_->decode(plain), " " + text);
        gguf32k_->setParseSpecial(true);
        const std::vector<int> special = gguf32k_->encode(text, false);
        gguf32k_->setParseSpecial(false);
        QCOMPARE(special, (std::vector<int>{1, 15043, 2})); // <s> "▁Hello" </s>
        QVERIFY(gguf32k_->encode(text, false) == plain);
        const std::vector<int> bin = bin32k_->encode(text, false);
        bin32k_->setParseSpecial(true);
        QVERIFY(bin32k_->encode(text, false) == bin);
        bin32k_->setParseSpecial(false);
    }

    void byteFallbackAndEdges() {
        if (!have32k()) QSKIP("Llama-2 vocabularies not found in the shared data");
        for (auto* tok : {bin32k_.get(), gguf32k_.get()}) {
            // U+1F999 (not in the vocabulary): four byte tokens <0xF0><0x9F><0xA6><0x99>.
            QVERIFY(tok->encode("\xF0\x9F\xA6\x99", false) ==
                    (std::vector<int>{29871, 0xF0 + 3, 0x9F + 3, 0xA6 + 3, 0x99 + 3}));
            QCOMPARE(tok->piece(0xF0 + 3), std::string("<0xF0>"));
            QCOMPARE(tok->decodeToken(5, 0xF0 + 3), std::string("\xF0"));
            // Empty text: nothing, or BOS alone (SentencePiece's OG behaviour).
            QVERIFY(tok->encode("", false).empty());
            QVERIFY(tok->encode("", true) == std::vector<int>{1});
            // Control tokens are not text; the leading space goes only after BOS.
            QCOMPARE(tok->decodeToken(-1, 1), std::string());
            QCOMPARE(tok->decodeToken(-1, 2), std::string());
            QCOMPARE(tok->decodeToken(1, 15043), std::string("Hello"));
            QCOMPARE(tok->decodeToken(15043, 15043), std::string(" Hello"));
            QVERIFY_THROWS_EXCEPTION(mobi::EngineError, tok->decodeToken(1, 32000));
            QVERIFY_THROWS_EXCEPTION(mobi::EngineError, tok->piece(-1));
            // Whitespace only, NUL bytes and stray continuation bytes stay well-defined.
            QVERIFY(tok->encode(" \t ", false) == (std::vector<int>{259, 12, 29871}));
            QVERIFY(tok->encode(std::string_view("a\0b", 3), false) ==
                    (std::vector<int>{263, 3, 29890}));
            QVERIFY(tok->encode("\x80", false) == (std::vector<int>{29871, 0x80 + 3}));
        }
        // Invalid UTF-8 is where the two reference encoders part ways: run.c splits
        // a lead byte from a following ASCII byte, llama.cpp takes the announced length.
        QVERIFY(bin32k_->encode("\xC3"
                                "A",
                                false) == (std::vector<int>{29871, 0xC3 + 3, 29909}));
        QVERIFY(gguf32k_->encode("\xC3"
                                 "A",
                                 false) == (std::vector<int>{29871, 0xC3 + 3, 'A' + 3}));
    }

    // The two flavors on the same vocabulary, over real text, line by line and
    // as whole documents; and decode(encode(x)) == x.
    void flavorsAgree_data() {
        QTest::addColumn<QString>("file");
        QTest::newRow("tinystories") << QStringLiteral("text/TinyStories-valid.head30k.txt");
        QTest::newRow("wikitext2") << QStringLiteral("text/wikitext2.valid.txt");
    }
    void flavorsAgree() {
        QFETCH(QString, file);
        REQUIRE_DATA(file);
        if (!have32k()) QSKIP("Llama-2 vocabularies not found in the shared data");
        const QStringList lines = readLines(file);
        QVERIFY(lines.size() > 10);
        size_t tokens = 0;
        for (const QString& line : lines) {
            const std::string s = line.toStdString();
            const std::vector<int> a = bin32k_->encode(s, true);
            const std::vector<int> b = gguf32k_->encode(s, true);
            QVERIFY2(a == b, qPrintable(QStringLiteral("flavors differ on: ") + line.left(200)));
            QCOMPARE(gguf32k_->decode(b), s);
            QCOMPARE(bin32k_->decode(a), s);
            tokens += a.size();
        }
        QVERIFY(tokens > static_cast<size_t>(lines.size()));
        // A whole document (newlines, long runs) in one call.
        const std::string doc = lines.mid(0, 400).join(QLatin1Char('\n')).toStdString();
        const std::vector<int> a = bin32k_->encode(doc, true);
        QVERIFY(a == gguf32k_->encode(doc, true));
        QCOMPARE(bin32k_->decode(a), doc);
    }

    // The priority-queue encoder against the literal run.c loop, sentence by sentence.
    void matchesNaiveRunC() {
        REQUIRE_DATA("text/TinyStories-valid.head30k.txt");
        REQUIRE_DATA("models/stories260K/tok512.bin");
        auto tok512 = SentencePieceTokenizer::loadLlama2cFile(
            testdata::stdPath("models/stories260K/tok512.bin"), 512);
        std::vector<std::string> pieces;
        for (const QString& line : readLines(QStringLiteral("text/TinyStories-valid.head30k.txt")))
            for (const QString& s : line.split(QStringLiteral(". ")))
                if (pieces.size() < 150) pieces.push_back(s.toStdString());
        for (const char* s : {"", " ", "Once upon a time", "  two  spaces ", "\xF0\x9F\xA6\x99 ok"})
            pieces.push_back(s);
        for (const std::string& s : pieces) {
            QVERIFY2(tok512->encode(s, true) == naiveRunC(tok512->vocab(), s, true), s.c_str());
            if (have32k() && s.size() < 400)
                QVERIFY2(bin32k_->encode(s, false) == naiveRunC(bin32k_->vocab(), s, false),
                         s.c_str());
        }
    }

    void stories260kVocabulary() {
        REQUIRE_DATA("models/stories260K/tok512.bin");
        auto tok = SentencePieceTokenizer::loadLlama2cFile(
            testdata::stdPath("models/stories260K/tok512.bin"), 512);
        QCOMPARE(tok->vocabSize(), 512);
        const std::vector<int> ids = tok->encode("Once upon a time", true);
        QCOMPARE(ids.front(), 1);
        QVERIFY(ids.size() < 10); // merged, not one token per character
        QCOMPARE(tok->decode(ids), std::string("Once upon a time"));
        // Tokens of the greedy reference text decode back to it.
        REQUIRE_DATA("models/stories260K/greedy_empty_256.txt");
        QFile f(testdata::path("models/stories260K/greedy_empty_256.txt"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const std::string text = f.readAll().toStdString();
        QCOMPARE(tok->decode(tok->encode(text, true)), text);
        // The same vocabulary converted to GGUF by llama.cpp, through the llama.cpp flavor.
        REQUIRE_DATA("models/stories260K/stories260K.gguf");
        auto gguf = ggufTokenizer(QStringLiteral("models/stories260K/stories260K.gguf"));
        QCOMPARE(gguf->vocabSize(), 512);
        QVERIFY(gguf->encode("Once upon a time", true) == ids);
        QVERIFY(gguf->encode(text, true) == tok->encode(text, true));
    }

    void hostileTokenizerFiles() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto write = [&](const QString& name, const QByteArray& bytes) {
            QFile f(dir.filePath(name));
            f.open(QIODevice::WriteOnly);
            f.write(bytes);
            return dir.filePath(name).toStdString();
        };
        auto entry = [](float score, int32_t len, const QByteArray& s) {
            QByteArray b(reinterpret_cast<const char*>(&score), 4);
            b.append(reinterpret_cast<const char*>(&len), 4);
            return b + s;
        };
        auto i32 = [](int32_t v) { return QByteArray(reinterpret_cast<const char*>(&v), 4); };
        struct Bad {
            const char* name;
            QByteArray bytes;
            int vocab;
        };
        const std::vector<Bad> bad = {
            {"empty", QByteArray(), 0},
            {"short", QByteArray("\x01\x00", 2), 0},
            {"zero_max", i32(0) + entry(0, 1, "a"), 0},
            {"neg_max", i32(-5) + entry(0, 1, "a"), 0},
            {"huge_max", i32(1 << 30) + entry(0, 1, "a"), 0},
            {"neg_len", i32(4) + entry(0, -1, ""), 0},
            {"len_over_max", i32(4) + entry(0, 9, "aaaaaaaaa"), 0},
            {"len_past_end", i32(4) + entry(0, 4, "ab"), 0},
            {"partial_header", i32(4) + entry(0, 1, "a") + QByteArray("\0\0\0", 3), 0},
            {"no_tokens", i32(4), 0},
            {"wrong_vocab", i32(4) + entry(0, 1, "a") + entry(0, 1, "b"), 3},
        };
        for (const Bad& b : bad) {
            const std::string p = write(QString::fromLatin1(b.name), b.bytes);
            try {
                SentencePieceTokenizer::loadLlama2cFile(p, b.vocab);
                QFAIL(b.name);
            } catch (const mobi::EngineError& e) {
                QVERIFY2(std::string(e.what()).find(p) != std::string::npos, e.what());
            }
        }
        // A tiny vocabulary without byte tokens stays in range on any input.
        // Pieces: 0 <unk>, 1 <s>, 2 </s>, 3 " ", 4 "a", 5 "aa" (score -1), 6 " a" (-2).
        const QByteArray tiny = i32(5) + entry(0, 5, "<unk>") + entry(0, 3, "<s>") +
                                entry(0, 4, "</s>") + entry(0, 1, " ") + entry(0, 1, "a") +
                                entry(-1, 2, "aa") + entry(-2, 2, " a");
        auto t = SentencePieceTokenizer::loadLlama2cFile(write("tiny", tiny), 7);
        // "aa" outscores " a", so the leftmost "aa" merges first and " a" never forms.
        QVERIFY(t->encode("aaa", true) == (std::vector<int>{1, 3, 5, 4}));
        QVERIFY(t->encode("aaa", true) == naiveRunC(t->vocab(), "aaa", true));
        // Bytes have no <0xNN> tokens here: they fall back to <unk> instead of id byte + 3.
        QVERIFY(t->encode("\xFFz", false) == (std::vector<int>{3, 0, 0}));
    }
};

QTEST_APPLESS_MAIN(TestSpmTokenizer)
#include "tst_spm_tokenizer.moc"
