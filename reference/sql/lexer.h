// The WHERE lexer: PostgreSQL's tokens (identifiers lower-cased unless quoted, strings with
// '' and E'' escapes unescaped, numbers, $n parameters, operators as PostgreSQL groups their
// characters, ::). Errors are syntax errors at the offending character, in Electric's form.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "reference/common/status.h"

namespace shapesim::sql {

enum class Tok { kIdent, kQuotedIdent, kInteger, kNumber, kString, kParam, kOp, kLParen, kRParen, kLBracket, kRBracket,
                 kComma, kDot, kCast, kEnd };

struct Token {
  Tok kind;
  std::string text;  // identifiers lower-cased; strings unescaped
  size_t pos;
};

// "syntax error at or near \"<near>\"" at `pos` of `text`.
Status syntax_error_near(std::string_view text, const std::string& near, size_t pos);

// The tokens of `text`, ending with one kEnd token.
Result<std::vector<Token>> lex(std::string_view text);

}  // namespace shapesim::sql
