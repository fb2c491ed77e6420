#include "env/WebshopCatalog.h"

#include "core/Error.h"
#include "env/WebshopText.h"
#include "util/Json.h"

#include <fstream>
#include <random>
#include <sstream>

namespace mobi {

namespace {

struct LineContext {
    const std::string& source;
    size_t line;
    [[noreturn]] void fail(const std::string& problem) const {
        throw FormatError(source, "line " + std::to_string(line) + ": " + problem);
    }
};

std::string optString(const Json& obj, const char* key, const LineContext& ctx,
                      const std::string& def = {}) {
    const Json* v = obj.find(key);
    if (!v || v->isNull()) return def;
    if (!v->isString()) ctx.fail(std::string("product field \"") + key + "\" is not a string");
    return v->asString();
}

std::vector<std::string> stringList(const Json& v, const char* key, const LineContext& ctx) {
    std::vector<std::string> out;
    if (v.isNull()) return out;
    if (v.isString()) return {v.asString()};
    if (!v.isArray()) ctx.fail(std::string("field \"") + key + "\" is not a list of strings");
    for (const Json& e : v.asArray()) {
        if (!e.isString()) ctx.fail(std::string("field \"") + key + "\" holds a non-string");
        out.push_back(e.asString());
    }
    return out;
}

std::string scalarText(const Json& v) {
    if (v.isString()) return v.asString();
    if (v.isNumber()) return WebshopText::pyFloat(v.asNumber(), true);
    return {};
}

std::string lowerTrim(std::string s) {
    s = WebshopText::lower(s);
    const size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    const size_t e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

// engine.py: pricing "$12.99$15.99" -> [12.99, 15.99] (digits and dots kept).
std::vector<double> parsePricingText(const std::string& text) {
    std::vector<double> out;
    size_t pos = text.find('$');
    while (pos != std::string::npos) {
        const size_t next = text.find('$', pos + 1);
        const std::string part =
            text.substr(pos + 1, next == std::string::npos ? next : next - pos - 1);
        std::string kept;
        for (char c : part)
            if ((c >= '0' && c <= '9') || c == '.') kept += c;
        try {
            size_t used = 0;
            const double v = std::stod(kept, &used);
            if (used == kept.size()) out.push_back(v);
        } catch (const std::exception&) {
        }
        pos = next;
    }
    return out;
}

WebshopProduct readProduct(const Json& rec, const LineContext& ctx) {
    if (!rec.isObject()) ctx.fail("record is not a JSON object");
    const Json* pj = rec.find("product");
    if (!pj || !pj->isObject()) ctx.fail("record has no \"product\" object");
    const Json& p = *pj;
    WebshopProduct out;
    out.asin = optString(p, "asin", ctx, optString(rec, "id", ctx));
    if (out.asin.empty()) ctx.fail("product has neither \"asin\" nor record \"id\"");
    out.title = optString(p, "Title", ctx, optString(p, "name", ctx));
    out.name = optString(p, "name", ctx, out.title);
    if (out.title.empty() && out.name.empty()) ctx.fail("product " + out.asin + " has no name");
    out.description = optString(p, "Description", ctx, optString(p, "full_description", ctx));
    if (const Json* bp = p.find("BulletPoints"))
        out.bulletPoints = stringList(*bp, "BulletPoints", ctx);
    else if (const Json* sd = p.find("small_description"))
        out.bulletPoints = stringList(*sd, "small_description", ctx);
    if (const Json* rv = p.find("Reviews"); rv && !rv->isNull()) {
        if (!rv->isArray()) ctx.fail("field \"Reviews\" is not a list");
        for (const Json& r : rv->asArray()) {
            if (!r.isObject()) ctx.fail("a review is not an object");
            WebshopReview w;
            if (const Json* t = r.find("title")) w.title = scalarText(*t);
            if (const Json* s = r.find("score"))
                w.score = scalarText(*s);
            else if (const Json* s2 = r.find("stars"))
                w.score = scalarText(*s2);
            if (const Json* b = r.find("body"))
                w.body = scalarText(*b);
            else if (const Json* b2 = r.find("review"))
                w.body = scalarText(*b2);
            out.reviews.push_back(std::move(w));
        }
    }
    if (const Json* ra = p.find("Rating"); ra && (ra->isString() || ra->isNumber()))
        out.rating = scalarText(*ra);

    const Json* pr = p.find("pricing");
    if (pr && pr->isArray()) {
        for (const Json& v : pr->asArray()) {
            if (!v.isNumber()) ctx.fail("field \"pricing\" holds a non-number");
            out.pricing.push_back(v.asNumber());
        }
    } else if (pr && pr->isString()) {
        out.pricing = parsePricingText(pr->asString());
    } else if (pr && !pr->isNull()) {
        ctx.fail("field \"pricing\" is neither a list nor a string");
    }
    if (out.pricing.empty()) out.pricing = {100.0};
    if (out.pricing.size() > 2) out.pricing.resize(2);
    std::string tag = optString(p, "Price", ctx);
    if (tag.empty()) {
        tag = "$" + WebshopText::pyFloat(out.pricing[0], false);
        if (out.pricing.size() == 2) tag += " to $" + WebshopText::pyFloat(out.pricing[1], false);
    }
    out.priceTag = tag;

    out.category = optString(p, "category", ctx);
    out.query = lowerTrim(optString(p, "query", ctx));
    out.productCategory = optString(p, "product_category", ctx);
    if (const Json* at = p.find("Attributes"); at && !at->isNull())
        out.attributes = stringList(*at, "Attributes", ctx);
    else
        out.attributes = {"DUMMY_ATTR"};

    if (const Json* op = p.find("options"); op && !op->isNull()) {
        if (!op->isObject()) ctx.fail("field \"options\" is not an object");
        for (const auto& [k, v] : op->asObject())
            out.options.emplace_back(k, stringList(v, "options", ctx));
    } else if (const Json* co = p.find("customization_options"); co && co->isObject()) {
        for (const auto& [k, v] : co->asObject()) {
            if (v.isNull()) continue;
            if (!v.isArray()) ctx.fail("customization option \"" + k + "\" is not a list");
            std::vector<std::string> values;
            for (const Json& c : v.asArray()) {
                const Json* val = c.isObject() ? c.find("value") : nullptr;
                if (!val || !val->isString()) ctx.fail("customization option without a value");
                std::string s = lowerTrim(val->asString());
                std::string r;
                for (char ch : s)
                    r += ch == '/' ? std::string(" | ") : std::string(1, ch);
                values.push_back(r);
            }
            out.options.emplace_back(WebshopText::lower(k), std::move(values));
        }
    }

    if (const Json* ins = p.find("instructions"); ins && ins->isArray()) {
        for (const Json& h : ins->asArray()) {
            if (!h.isObject()) ctx.fail("an instruction is not an object");
            WebshopProduct::HumanInstruction hi;
            hi.instruction = optString(h, "instruction", ctx);
            if (const Json* a = h.find("instruction_attributes"))
                hi.attributes = stringList(*a, "instruction_attributes", ctx);
            if (const Json* o = h.find("instruction_options"))
                hi.options = stringList(*o, "instruction_options", ctx);
            out.humanInstructions.push_back(std::move(hi));
        }
    }

    out.contents = optString(rec, "contents", ctx);
    if (out.contents.empty()) {
        out.contents = out.title + " " + out.description;
        for (const std::string& b : out.bulletPoints)
            out.contents += " " + b;
    }
    return out;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return out;
}

} // namespace

WebshopCatalog WebshopCatalog::load(const std::string& path, uint64_t priceSeed) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FormatError(path, "cannot open the product file");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), path, priceSeed);
}

WebshopCatalog WebshopCatalog::parse(std::string_view text, const std::string& source,
                                     uint64_t priceSeed) {
    WebshopCatalog cat;
    std::mt19937_64 rng(priceSeed);
    size_t lineNo = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++lineNo;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
            if (end == text.size()) break;
            continue;
        }
        const LineContext ctx{source, lineNo};
        Json rec;
        try {
            rec = Json::parse(line, source + " line " + std::to_string(lineNo));
        } catch (const FormatError& e) {
            throw FormatError(source, "line " + std::to_string(lineNo) + ": " + e.problem());
        }
        WebshopProduct prod = readProduct(rec, ctx);
        if (prod.asin == "nan" || prod.asin.size() > 10) continue;
        const std::string key = upper(prod.asin);
        if (cat.byAsin_.count(key)) continue;
        // engine.py generate_product_prices: a range is paid at a uniform draw.
        if (prod.pricing.size() == 1)
            prod.price = prod.pricing[0];
        else {
            const double u = double(rng() >> 11) * 0x1.0p-53;
            prod.price = prod.pricing[0] + u * (prod.pricing[1] - prod.pricing[0]);
        }
        cat.byAsin_[key] = cat.products_.size();
        cat.index_.add(prod.contents);
        cat.products_.push_back(std::move(prod));
        if (end == text.size()) break;
    }
    if (cat.products_.empty()) throw FormatError(source, "no products (empty catalogue)");
    return cat;
}

const WebshopProduct* WebshopCatalog::find(std::string_view asin) const {
    const auto it = byAsin_.find(upper(asin));
    return it == byAsin_.end() ? nullptr : &products_[it->second];
}

std::vector<size_t> WebshopCatalog::search(std::string_view keywords) const {
    std::vector<size_t> out;
    for (const Bm25Hit& h : index_.search(keywords, kSearchReturn))
        out.push_back(h.doc);
    return out;
}

} // namespace mobi
