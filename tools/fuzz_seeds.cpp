// Writes a seed corpus for every libFuzzer target (fuzz/fuzz_<name>.cpp)
// into OUT/fuzz_<name>/: small inputs (all well under libFuzzer's -max_len)
// written by the project's own writers or spelled out here, each valid in
// its target's own framing (mode and length bytes included), so replaying
// them reaches the code after a successful parse. scripts/fuzz.sh replays
// each target's seeds once and fails unless at least one parses.
// usage: mobiscope-fuzz-seeds OUT
#include "agent/EpisodeRecord.h"
#include "core/Error.h"
#include "io/GgufWriter.h"
#include "io/HfWriter.h"
#include "model/RandomModel.h"
#include "tokenizer/SentencePieceTokenizer.h"
#include "util/Json.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace mobi;
namespace fs = std::filesystem;

namespace {

using Bytes = std::string;

void writeSeed(const fs::path& out, const std::string& target, const std::string& name,
               const Bytes& bytes) {
    fs::create_directories(out / target);
    std::ofstream f(out / target / name, std::ios::binary);
    f << bytes;
    if (!f.flush()) throw EngineError((out / target / name).string(), "cannot write");
}

Bytes readAll(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

template <class T> void put(Bytes& b, T v) {
    char raw[sizeof(T)];
    std::memcpy(raw, &v, sizeof(T));
    b.append(raw, sizeof(T));
}

// A 32-piece SentencePiece vocabulary: <unk> <s> </s>, the letters of a short
// story, and a few merged pieces. `space` is how the format spells a space.
SpmVocab smallVocab(const std::string& space) {
    SpmVocab v;
    v.pieces = {"<unk>", "<s>", "</s>", "a",  "b",  "c",  "d",  "e",   "h",    "i",   "l",
                "m",     "n",   "o",    "p",  "r",  "s",  "t",  "u",   "w",    "y",   ",",
                ".",     space, "on",   "ce", "up", "in", "th", "the", "time", "once"};
    for (size_t i = 0; i < v.pieces.size(); ++i)
        v.scores.push_back(i < 3 ? 0.0f : -float(i));
    return v;
}

std::shared_ptr<Tokenizer> spmTokenizer(SentencePieceTokenizer::Flavor flavor) {
    const bool gguf = flavor == SentencePieceTokenizer::Flavor::LlamaCpp;
    return std::make_shared<SentencePieceTokenizer>(smallVocab(gguf ? "\xE2\x96\x81" : " "), 1, 2,
                                                    flavor);
}

ModelConfig llama(int dim, int hidden, int heads, int kvHeads, int vocab, int seqLen, bool tied) {
    ModelConfig c;
    c.arch = "llama";
    c.dim = dim;
    c.hiddenDim = hidden;
    c.nLayers = 1;
    c.nHeads = heads;
    c.nKvHeads = kvHeads;
    c.headDim = dim / heads;
    c.vocabSize = vocab;
    c.seqLen = seqLen;
    c.tiedEmbeddings = tied;
    c.ropeStyle = RopeStyle::Interleaved;
    return c;
}

// llama2.c's tokenizer.bin: max_token_length, then per piece score, length, bytes.
Bytes llama2cTokenizer(const SpmVocab& v) {
    Bytes b;
    int32_t maxLen = 0;
    for (const std::string& p : v.pieces)
        maxLen = std::max<int32_t>(maxLen, int32_t(p.size()));
    put(b, maxLen);
    for (size_t i = 0; i < v.pieces.size(); ++i) {
        put(b, v.scores[i]);
        put(b, int32_t(v.pieces[i].size()));
        b += v.pieces[i];
    }
    return b;
}

// A legacy llama2.c checkpoint (run.c's layout): the 7-int header, then the
// F32 weights in export order, then the RoPE table; vocab_size positive =
// classifier tied to the embedding.
Bytes llama2cModel(int dim, int hidden, int heads, int kvHeads, int vocab, int seqLen) {
    Bytes b;
    for (int32_t v : {dim, hidden, 1, heads, kvHeads, vocab, seqLen})
        put(b, v);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    auto floats = [&](size_t n, bool ones) {
        for (size_t i = 0; i < n; ++i) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            put(b, ones ? 1.0f : float(int((x >> 40) % 2001) - 1000) * 2e-5f);
        }
    };
    const size_t d = size_t(dim), h = size_t(hidden), kv = size_t(dim / heads * kvHeads);
    floats(size_t(vocab) * d, false); // token embedding
    floats(d, true);                  // rms_att
    floats(d * d, false);             // wq
    floats(d * kv, false);            // wk
    floats(d * kv, false);            // wv
    floats(d * d, false);             // wo
    floats(d, true);                  // rms_ffn
    floats(h * d, false);             // w1
    floats(d * h, false);             // w2
    floats(h * d, false);             // w3
    floats(d, true);                  // rms_final
    const size_t rope = size_t(seqLen) * size_t(dim / heads) / 2;
    floats(rope, true); // freq_cis_real
    floats(rope, true); // freq_cis_imag
    return b;
}

void llama2cSeeds(const fs::path& out) {
    const Bytes model = llama2cModel(16, 32, 2, 1, 32, 16);
    const Bytes tok = llama2cTokenizer(smallVocab(" "));
    writeSeed(out, "fuzz_llama2c", "mode0_model", Bytes(1, '\0') + model);
    // Modes 1 and 2: model, tokenizer, then the tokenizer's length as two
    // little-endian bytes (the target reads it modulo the bytes before them).
    for (char mode : {'\1', '\2'}) {
        Bytes in = Bytes(1, mode) + model + tok;
        in += char(tok.size() & 0xff);
        in += char(tok.size() >> 8);
        writeSeed(out, "fuzz_llama2c", std::string("mode") + char('0' + mode) + "_model_tokenizer",
                  in);
    }
    // fuzz_tokenizer_bin: byte 0 = vocabulary size (low nibble, 0: the whole
    // file) and how many tail bytes to encode as text (high nibble x 8).
    writeSeed(out, "fuzz_tokenizer_bin", "whole_file", Bytes(1, '\0') + tok);
    writeSeed(out, "fuzz_tokenizer_bin", "whole_file_tail_text", Bytes(1, '\x20') + tok);
}

void modelFileSeeds(const fs::path& out) {
    const fs::path tmp = fs::temp_directory_path() /
                         ("mobiscope-fuzz-seeds-" + std::to_string(uint64_t(::getpid())));
    fs::create_directories(tmp);
    // GGUF: a one-block llama, F32 and F16 matrices.
    const ModelShape ggufShape{"seed", llama(16, 32, 2, 1, 32, 32, false)};
    const Model gm = makeRandomModel(
        ggufShape, spmTokenizer(SentencePieceTokenizer::Flavor::LlamaCpp), 1, DType::F32, 1);
    for (DType t : {DType::F32, DType::F16}) {
        GgufWriteOptions o;
        o.matrixType = t;
        const fs::path p = tmp / "m.gguf";
        saveGguf(gm, p.string(), o);
        writeSeed(out, "fuzz_gguf", t == DType::F32 ? "tiny_f32.gguf" : "tiny_f16.gguf",
                  readAll(p));
    }
    // safetensors for fuzz_safetensors' fixed config.json (dim 4, FFN 8, one
    // layer, 2 heads, 1 KV head, vocab 6, untied).
    SpmVocab six;
    six.pieces = {"<unk>", "<s>", "</s>", "a", "b", " "};
    six.scores = {0, 0, 0, -1, -2, -3};
    const ModelShape stShape{"seed", llama(4, 8, 2, 1, 6, 32, false)};
    const Model sm = makeRandomModel(stShape,
                                     std::make_shared<SentencePieceTokenizer>(
                                         six, 1, 2, SentencePieceTokenizer::Flavor::Llama2c),
                                     2, DType::F32, 1);
    for (DType t : {DType::F32, DType::F16}) {
        HfWriteOptions o;
        o.matrixType = t;
        const fs::path dir = tmp / (t == DType::F32 ? "hf32" : "hf16");
        saveHfDirectory(sm, dir.string(), o);
        writeSeed(out, "fuzz_safetensors",
                  t == DType::F32 ? "tiny_f32.safetensors" : "tiny_f16.safetensors",
                  readAll(dir / "model.safetensors"));
        if (t == DType::F32)
            writeSeed(out, "fuzz_tokenizer_json", "spm_compatible.json",
                      readAll(dir / "tokenizer.json"));
    }
    std::error_code ec;
    fs::remove_all(tmp, ec);
}

// A byte-level BPE tokenizer.json, spelled out: the printable ASCII bytes
// (GPT-2's byte-to-unicode map leaves them as they are, and maps the space to
// U+0120), a few merges, and two added special tokens.
Bytes byteLevelTokenizerJson() {
    Json vocab(Json::Object{});
    int id = 0;
    for (int c = 33; c < 127; ++c)
        vocab.set(std::string(1, char(c)), id++);
    vocab.set("\xC4\xA0", id++); // U+0120, the space
    for (const char* m : {"th", "the", "\xC4\xA0t", "\xC4\xA0th", "\xC4\xA0the", "in", "on"})
        vocab.set(m, id++);
    Json merges(Json::Array{});
    for (const char* m : {"t h", "th e", "\xC4\xA0 t", "\xC4\xA0t h", "\xC4\xA0th e", "i n", "o n"})
        merges.push(Json(std::string(m)));
    Json added(Json::Array{});
    for (const char* s : {"<|endoftext|>", "<|pad|>"}) {
        Json a(Json::Object{});
        a.set("id", id++);
        a.set("content", std::string(s));
        a.set("special", true);
        added.push(std::move(a));
    }
    Json model(Json::Object{});
    model.set("type", std::string("BPE"));
    model.set("vocab", std::move(vocab));
    model.set("merges", std::move(merges));
    Json pre(Json::Object{});
    pre.set("type", std::string("ByteLevel"));
    pre.set("add_prefix_space", false);
    pre.set("use_regex", true);
    Json dec(Json::Object{});
    dec.set("type", std::string("ByteLevel"));
    Json root(Json::Object{});
    root.set("version", std::string("1.0"));
    root.set("added_tokens", std::move(added));
    root.set("pre_tokenizer", std::move(pre));
    root.set("decoder", std::move(dec));
    root.set("model", std::move(model));
    return root.dump(2);
}

// One WebShop product record with a human instruction (so a goal exists).
std::string webshopRecord(const std::string& asin, const std::string& title, double price,
                          const std::string& color, const std::string& instruction) {
    Json p(Json::Object{});
    p.set("asin", asin);
    p.set("Title", title);
    p.set("Description", "A " + title + " for everyday use.");
    Json bullets(Json::Array{});
    bullets.push(Json(std::string("machine washable")));
    p.set("BulletPoints", std::move(bullets));
    Json pricing(Json::Array{});
    pricing.push(Json(price));
    p.set("pricing", std::move(pricing));
    p.set("category", std::string("fashion"));
    p.set("query", std::string("shirts"));
    p.set("product_category", std::string("Clothing > Shirts"));
    Json attrs(Json::Array{});
    attrs.push(Json(std::string("machine wash")));
    p.set("Attributes", std::move(attrs));
    Json options(Json::Object{});
    Json colors(Json::Array{});
    colors.push(Json(color));
    colors.push(Json(std::string("white")));
    options.set("color", std::move(colors));
    p.set("options", std::move(options));
    Json ins(Json::Object{});
    ins.set("instruction", instruction);
    Json ia(Json::Array{});
    ia.push(Json(std::string("machine wash")));
    ins.set("instruction_attributes", std::move(ia));
    Json io(Json::Array{});
    io.push(Json(color));
    ins.set("instruction_options", std::move(io));
    Json list(Json::Array{});
    list.push(std::move(ins));
    p.set("instructions", std::move(list));
    Json rec(Json::Object{});
    rec.set("id", asin);
    rec.set("product", std::move(p));
    return rec.dump();
}

void textSeeds(const fs::path& out) {
    writeSeed(out, "fuzz_tokenizer_json", "byte_level.json", byteLevelTokenizerJson());

    writeSeed(
        out, "fuzz_json", "object.json",
        R"({"a": [1, 2.5, -3e-7, true, false, null], "b": {"c": "d\u00e9\n\"q\""}, "e": []})");
    writeSeed(out, "fuzz_json", "array.json", "[[], {}, \"\", 0, 1e308, -0.0, \"\\ud83e\\udd99\"]");
    writeSeed(out, "fuzz_json", "number.json", "12345678901234567890");

    // PDDL: domain, the target's separator, problem (a two-room fetch).
    writeSeed(out, "fuzz_pddl", "fetch.pddl",
              "(define (domain fetch) (:requirements :strips :typing)\n"
              " (:types agent location receptacle object)\n"
              " (:predicates (atLocation ?a - agent ?l - location)\n"
              "  (receptacleAtLocation ?r - receptacle ?l - location)\n"
              "  (inReceptacle ?o - object ?r - receptacle) (holds ?a - agent ?o - object))\n"
              " (:action go :parameters (?a - agent ?from ?to - location)\n"
              "  :precondition (atLocation ?a ?from)\n"
              "  :effect (and (atLocation ?a ?to) (not (atLocation ?a ?from))))\n"
              " (:action take :parameters (?a - agent ?o - object ?r - receptacle ?l - "
              "location)\n"
              "  :precondition (and (atLocation ?a ?l) (receptacleAtLocation ?r ?l)\n"
              "   (inReceptacle ?o ?r))\n"
              "  :effect (and (holds ?a ?o) (not (inReceptacle ?o ?r))))\n"
              " (:action put :parameters (?a - agent ?o - object ?r - receptacle ?l - location)\n"
              "  :precondition (and (atLocation ?a ?l) (receptacleAtLocation ?r ?l) (holds ?a "
              "?o))\n"
              "  :effect (and (inReceptacle ?o ?r) (not (holds ?a ?o)))))\n"
              ";;problem\n"
              "(define (problem mug) (:domain fetch)\n"
              " (:objects agent1 - agent l1 l2 - location shelf table - receptacle mug - object)\n"
              " (:init (atLocation agent1 l1) (receptacleAtLocation shelf l1)\n"
              "  (receptacleAtLocation table l2) (inReceptacle mug shelf))\n"
              " (:goal (inReceptacle mug table)))\n");

    // WebShop: two products with human instructions, so goals exist and one is played.
    writeSeed(out, "fuzz_webshop", "two_products.jsonl",
              webshopRecord("B000SEED01", "cotton t-shirt", 12.5, "black",
                            "i need a machine wash cotton t-shirt") +
                  "\n" +
                  webshopRecord("B000SEED02", "linen shirt", 31.0, "blue",
                                "i want a blue linen shirt i can machine wash") +
                  "\n");

    // Episodes: one finished and one cut short, written by EpisodeRecord.
    std::string jsonl;
    for (int e = 0; e < 2; ++e) {
        EpisodeRecord r;
        r.envSpec = Json(Json::Object{});
        r.envSpec.set("env", std::string("household"));
        r.envSpec.set("seed", double(e));
        r.kind = "household";
        r.episodeId = "household:" + std::to_string(e);
        r.task = "Your task is to: put a mug in shelf.";
        r.policy = "expert";
        r.policyInfo = Json(Json::Object{});
        r.firstObservation = "You are in the middle of a room.";
        r.firstAdmissible = {"go to shelf 1", "look"};
        EpisodeStep s;
        s.admissible = r.firstAdmissible;
        s.command = "go to shelf 1";
        s.distribution = {1.0, 0.0};
        s.observation = "You arrive at shelf 1. On the shelf 1, you see a mug 1.";
        s.stepMs = 0.01;
        r.steps.push_back(s);
        r.done = e == 0;
        r.won = false;
        r.stopReason = e == 0 ? "step limit" : "incomplete";
        jsonl += r.headerJson(e).dump() + "\n";
        for (const EpisodeStep& st : r.steps)
            jsonl += st.toJson(e).dump() + "\n";
        if (e == 0) jsonl += r.endJson(e).dump() + "\n";
    }
    writeSeed(out, "fuzz_episodes", "two_episodes.jsonl", jsonl);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: mobiscope-fuzz-seeds OUT\n");
        return 2;
    }
    try {
        const fs::path out = argv[1];
        llama2cSeeds(out);
        modelFileSeeds(out);
        textSeeds(out);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
