// Small JSON DOM: strict RFC 8259 parser with a depth limit, and a writer.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mobi {

class Json {
  public:
    enum class Type { Null, Bool, Number, String, Array, Object };
    using Array = std::vector<Json>;
    // Keys keep insertion order (order matters for tokenizer.json vocabularies).
    using Object = std::vector<std::pair<std::string, Json>>;

    Json() = default;
    Json(std::nullptr_t) {}
    Json(bool b) : type_(Type::Bool), bool_(b) {}
    Json(double d) : type_(Type::Number), num_(d) {}
    Json(int i) : type_(Type::Number), num_(i) {}
    Json(int64_t i) : type_(Type::Number), num_(static_cast<double>(i)) {}
    Json(const char* s) : type_(Type::String), str_(s) {}
    Json(std::string s) : type_(Type::String), str_(std::move(s)) {}
    Json(Array a) : type_(Type::Array), arr_(std::make_shared<Array>(std::move(a))) {}
    Json(Object o) : type_(Type::Object), obj_(std::make_shared<Object>(std::move(o))) {}

    // Throws FormatError(source, "JSON: <problem> at line L column C").
    static Json parse(std::string_view text, const std::string& source = "JSON");
    static Json parseFile(const std::string& path);

    Type type() const { return type_; }
    bool isNull() const { return type_ == Type::Null; }
    bool isBool() const { return type_ == Type::Bool; }
    bool isNumber() const { return type_ == Type::Number; }
    bool isString() const { return type_ == Type::String; }
    bool isArray() const { return type_ == Type::Array; }
    bool isObject() const { return type_ == Type::Object; }

    bool asBool() const { return bool_; }
    double asNumber() const { return num_; }
    // The number when it is a whole number within +-2^53 (exact in a
    // double); nullopt for other numbers and non-numbers. Casting asNumber()
    // of untrusted input to an integer type is undefined when out of range.
    std::optional<int64_t> asInteger() const;
    const std::string& asString() const { return str_; }
    const Array& asArray() const;
    const Object& asObject() const;
    Array& mutArray();
    Object& mutObject();

    // Object lookup; returns nullptr when absent or not an object.
    const Json* find(std::string_view key) const;
    // Convenience getters with defaults for optional config fields.
    double number(std::string_view key, double def) const;
    std::string string(std::string_view key, const std::string& def) const;
    bool boolean(std::string_view key, bool def) const;

    void set(std::string key, Json value); // appends or replaces in an object
    void push(Json value);                 // appends to an array

    // Compact when indent < 0, else pretty-printed.
    std::string dump(int indent = -1) const;

  private:
    void dumpTo(std::string& out, int indent, int level) const;
    Type type_ = Type::Null;
    bool bool_ = false;
    double num_ = 0;
    std::string str_;
    std::shared_ptr<Array> arr_;
    std::shared_ptr<Object> obj_;
};

// Appends `s` as a quoted JSON string (UTF-8 kept, control chars escaped).
void jsonQuote(std::string& out, std::string_view s);

} // namespace mobi
