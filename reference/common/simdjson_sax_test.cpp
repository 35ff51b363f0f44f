// simdjson_sax_parse sends what nlohmann's SAX parser sends: the same events, the same result.
#include "reference/common/simdjson_sax.h"

#include <gtest/gtest.h>

#include "reference/common/bounded_json.h"
#include "reference/common/random.h"

namespace shapesim {
namespace {

using json = nlohmann::json;

// Records every event as text; refuses (returns false) at event number `stop_at`, if given.
class Recorder {
 public:
  explicit Recorder(size_t stop_at = SIZE_MAX) : stop_at_(stop_at) {}
  std::vector<std::string> events;

  bool null() { return add("null"); }
  bool boolean(bool v) { return add(v ? "true" : "false"); }
  bool number_integer(json::number_integer_t v) { return add("int " + std::to_string(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return add("uint " + std::to_string(v)); }
  bool number_float(json::number_float_t v, const json::string_t&) { return add("float " + json(v).dump()); }
  bool string(json::string_t& v) { return add("string " + json(v).dump()); }
  bool binary(json::binary_t&) { return add("binary"); }
  bool start_object(std::size_t) { return add("{"); }
  bool end_object() { return add("}"); }
  bool start_array(std::size_t) { return add("["); }
  bool end_array() { return add("]"); }
  bool key(json::string_t& k) { return add("key " + json(k).dump()); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return add("error"), false; }

 private:
  bool add(std::string e) {
    events.push_back(std::move(e));
    return events.size() != stop_at_;
  }
  size_t stop_at_;
};

void expect_same(std::string_view text, size_t stop_at = SIZE_MAX) {
  Recorder fast(stop_at), reference(stop_at);
  const bool fast_ok = simdjson_sax_parse(text, fast);
  const bool reference_ok = json::sax_parse(text.begin(), text.end(), &reference);
  EXPECT_EQ(fast_ok, reference_ok) << text;
  EXPECT_EQ(fast.events, reference.events) << text;
}

TEST(SimdjsonSax, EdgeDocumentsGiveNlohmannsEventsAndResult) {
  for (std::string_view text : {
           R"([1, -1, 0, -0, -0.0, 1e400, 18446744073709551615, 18446744073709551616, -9223372036854775808])",
           R"({"a": -0})", "-0", " -0 ", "[-0e1, -0.5, -01]", R"(["-0", "a-0"])",
           R"({"a": 1, "a": 2, "b": {"a": [true, false, null]}})", R"({"\u00e9": "\ud83d\ude00", "e": "\u0000"})",
           "\xef\xbb\xbf[1]", "[1] x", "[1,]", "{\"a\" 1}", "\"\xff\"", "\"\x01\"", "", "   ", "[", "nul", "1.5e-3",
           R"("\ud800")", "[[[[[[]]]]]]", "{}", "[]", "3", "\"just a string\"",
       }) {
    expect_same(text);
  }
}

TEST(SimdjsonSax, AHandlerThatRefusesStopsTheWalkAsNlohmannDoes) {
  const std::string text = R"({"a": [1, 2, {"b": "c"}], "d": null})";
  for (size_t stop = 1; stop <= 12; ++stop) expect_same(text, stop);
}

TEST(SimdjsonSax, DeepDocumentsAreWalkedOrHandedToNlohmannWithoutDeepRecursion) {
  expect_same(std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']'));
  expect_same(std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']'));
  // 100,000 levels: simdjson refuses it (depth), nlohmann's parser has no recursion; the
  // handler stops it early.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  expect_same(deep, 1000);
}

TEST(SimdjsonSax, RandomDocumentsAndTheirMutationsGiveTheSameEvents) {
  Random rng(11);
  const std::vector<std::string> atoms = {"0", "-0", "-1", "7", "1.25", "-2.5e3", "1e999", "18446744073709551616", "true",
                                          "false", "null", R"("x")", R"("-0")", R"("\u00fc\n")", R"("")"};
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    std::function<void(int)> value = [&](int depth) {
      uint64_t kind = depth > 4 ? 0 : rng.uniform(0, 3);
      if (kind == 0 || kind == 1) {
        text += atoms[rng.uniform(0, atoms.size() - 1)];
      } else if (kind == 2) {
        text += "[";
        for (uint64_t n = rng.uniform(0, 3), j = 0; j < n; ++j) {
          if (j) text += ",";
          value(depth + 1);
        }
        text += "]";
      } else {
        text += "{";
        for (uint64_t n = rng.uniform(0, 3), j = 0; j < n; ++j) {
          if (j) text += ",";
          text += "\"k" + std::to_string(rng.uniform(0, 2)) + "\":";
          value(depth + 1);
        }
        text += "}";
      }
    };
    value(0);
    expect_same(text);
    if (!text.empty()) {  // one byte changed: mostly malformed, sometimes another valid document
      std::string mutated = text;
      mutated[rng.uniform(0, mutated.size() - 1)] = "[]{},:\"-0e. x\\"[rng.uniform(0, 14)];
      expect_same(mutated);
    }
  }
}

}  // namespace
}  // namespace shapesim
