// simdjson_sax_parse(text, sax): the events nlohmann::json::sax_parse(text, &sax) would send,
// produced from simdjson where it can (simdjson validates and indexes a document several times
// faster than nlohmann's lexer), and by nlohmann's own parser where it cannot.
//
//   MyHandler h;                                   // any nlohmann SAX handler
//   bool ok = simdjson_sax_parse(text, h);         // what json::sax_parse(text, &h) returns
//
// Contract: the same events in the same order (members in document order, duplicates
// included), and the same result, as nlohmann's SAX parser:
// - a document simdjson refuses (malformed, an integer beyond 64 bits, deeper than
//   kMaxJsonDepth) is given to nlohmann's parser, which sends the events and errors it would;
//   simdjson refuses before sending anything, so the handler starts fresh;
// - a document that may hold the integer -0 goes to nlohmann too (simdjson reads it as 0,
//   nlohmann as a signed integer, and a handler may tell the two apart);
// - a handler returning false stops the walk, and the result is false, as with nlohmann.
// An integer is sent as unsigned when it is not negative, as nlohmann does.
//
// The walk recurses once per nesting level, at most kMaxJsonDepth deep (simdjson's parser is
// set to refuse deeper documents, which then go to nlohmann's parser, which has no recursion).
// Buffers: one parser and padded copy per thread, reused for texts up to 1 MiB; a larger text
// gets its own, freed after it.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "reference/common/assert.h"

namespace shapesim {

namespace simdjson_sax_detail {

// Whether `text` may hold the integer -0 as a value (a match inside a string is a false
// positive: it only costs the slower parser).
bool may_hold_negative_zero(std::string_view text);

// `text` parsed by simdjson, or refused (ok() false). The thread's reused buffers hold it
// (texts up to 1 MiB) or buffers of its own, freed with it; valid until the next Parsed on
// this thread.
class Parsed {
 public:
  explicit Parsed(std::string_view text);
  ~Parsed();
  Parsed(const Parsed&) = delete;
  Parsed& operator=(const Parsed&) = delete;
  bool ok() const { return ok_; }
  simdjson::dom::element root() const { return root_; }

 private:
  struct Buffers;
  std::unique_ptr<Buffers> own_;
  simdjson::dom::element root_;
  bool ok_ = false;
};

template <class Sax>
bool walk(simdjson::dom::element e, Sax& sax) {
  using simdjson::dom::element_type;
  using json = nlohmann::json;
  switch (e.type()) {
    case element_type::ARRAY: {
      simdjson::dom::array a = e.get_array().value_unsafe();
      if (!sax.start_array(a.size())) return false;
      for (simdjson::dom::element item : a) {
        if (!walk(item, sax)) return false;
      }
      return sax.end_array();
    }
    case element_type::OBJECT: {
      simdjson::dom::object o = e.get_object().value_unsafe();
      if (!sax.start_object(o.size())) return false;
      for (simdjson::dom::key_value_pair member : o) {
        json::string_t key(member.key);
        if (!sax.key(key) || !walk(member.value, sax)) return false;
      }
      return sax.end_object();
    }
    case element_type::INT64: {
      const int64_t v = e.get_int64().value_unsafe();
      return v < 0 ? sax.number_integer(v) : sax.number_unsigned(static_cast<uint64_t>(v));
    }
    case element_type::UINT64: return sax.number_unsigned(e.get_uint64().value_unsafe());
    case element_type::DOUBLE: {
      json::string_t unused;
      return sax.number_float(e.get_double().value_unsafe(), unused);
    }
    case element_type::STRING: {
      json::string_t text(e.get_string().value_unsafe());
      return sax.string(text);
    }
    case element_type::BOOL: return sax.boolean(e.get_bool().value_unsafe());
    case element_type::NULL_VALUE: return sax.null();
  }
  SHAPESIM_ASSERT(false);  // every element type is handled above
  return false;
}

}  // namespace simdjson_sax_detail

template <class Sax>
bool simdjson_sax_parse(std::string_view text, Sax& sax) {
  if (!simdjson_sax_detail::may_hold_negative_zero(text)) {
    simdjson_sax_detail::Parsed parsed(text);
    if (parsed.ok()) return simdjson_sax_detail::walk(parsed.root(), sax);
  }
  return nlohmann::json::sax_parse(text.begin(), text.end(), &sax);
}

}  // namespace shapesim
