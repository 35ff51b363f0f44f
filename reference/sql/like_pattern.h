// LikePattern: a compiled LIKE / ILIKE pattern. '%' matches any run of characters, '_' one
// character (a UTF-8 code point), the escape character (default '\') makes the next one
// literal. ILIKE folds ASCII letters (the C locale). Patterns of the form '%lit%', 'lit%',
// '%lit' and 'lit' match without backtracking.
//
//   auto p = LikePattern::compile("%needle%", '\\', /*case_insensitive=*/true);
//   p->matches("Haystack NEEDLE here");   // true
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reference/common/status.h"

namespace shapesim::sql {

class LikePattern {
 public:
  // `escape`: nullopt means no escape character (ESCAPE '').
  static Result<LikePattern> compile(std::string_view pattern, std::optional<char> escape, bool case_insensitive);
  bool matches(std::string_view text) const;

 private:
  enum class Shape { kGeneral, kExact, kPrefix, kSuffix, kContains };
  struct Piece {
    enum Kind { kLiteral, kOne, kAny } kind;
    std::string literal;
  };
  bool match_general(std::string_view text) const;

  std::vector<Piece> pieces_;
  Shape shape_ = Shape::kGeneral;
  std::string literal_;  // for the fast shapes
  bool fold_ = false;
};

}  // namespace shapesim::sql
