// `tokenize MODEL TEXT`: token ids (and pieces) as the model's tokenizer makes them.
#include "CliCommon.h"

#include "tokenizer/Tokenizer.h"
#include "util/Json.h"

#include <cstdio>

namespace cli {

int runTokenize(const std::vector<std::string>& args) {
    ArgParser p("tokenize", "Print the token ids of TEXT (or of --file) under MODEL's tokenizer.");
    p.positional("MODEL", "model file or Hugging Face directory");
    p.positional("TEXT", "text to tokenize", false);
    p.option("file", "FILE", "tokenize the contents of FILE instead of TEXT");
    p.option("tokenizer", "FILE", "tokenizer file for formats that keep it apart (llama2.c)");
    addParseSpecialFlag(p);
    p.flag("no-bos", "do not add the BOS token");
    p.flag("pieces", "print each id with its piece");
    p.flag("json", "print JSON: ids, pieces and count");
    if (!p.parse(args)) return 0;
    if (p.has("TEXT") == p.has("file")) throw UsageError("give either TEXT or --file FILE");
    const std::string text = p.has("file") ? readTextFile(p.get("file")) : p.get("TEXT");
    const mobi::Model m = loadModelArg(p, true);
    const std::vector<int> ids = m.tokenizer->encode(text, !p.flagSet("no-bos"));
    if (p.flagSet("json")) {
        mobi::Json j(mobi::Json::Object{});
        mobi::Json idArr(mobi::Json::Array{}), pieceArr(mobi::Json::Array{});
        for (int id : ids) {
            idArr.push(id);
            pieceArr.push(m.tokenizer->piece(id));
        }
        j.set("count", static_cast<int>(ids.size()));
        j.set("ids", idArr);
        j.set("pieces", pieceArr);
        std::printf("%s\n", j.dump().c_str());
        return 0;
    }
    if (p.flagSet("pieces")) {
        for (int id : ids) {
            std::string q;
            mobi::jsonQuote(q, m.tokenizer->piece(id));
            std::printf("%6d %s\n", id, q.c_str());
        }
        return 0;
    }
    for (size_t i = 0; i < ids.size(); ++i)
        std::printf(i ? " %d" : "%d", ids[i]);
    std::printf("\n");
    return 0;
}

} // namespace cli
