#include "reference/sql/equality_filter.h"

#include <set>

#include "reference/common/log_offset.h"

namespace shapesim {

namespace {

enum class TokenKind { kIdentifier, kQuotedIdentifier, kInteger, kString, kParam, kEquals, kEnd, kOther };

struct Token {
  TokenKind kind;
  std::string text;
  size_t position;
};

bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string lower(std::string s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

Status syntax_error(const std::string& near, size_t position) {
  return invalid_argument("syntax error at or near \"" + near + "\" (position " + std::to_string(position) + ")");
}

Result<std::vector<Token>> tokenize(std::string_view s) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (is_ident_start(c)) {
      size_t start = i;
      while (i < s.size() && is_ident_char(s[i])) ++i;
      tokens.push_back({TokenKind::kIdentifier, lower(std::string(s.substr(start, i - start))), start});
    } else if (c == '"') {
      size_t start = i++;
      std::string text;
      while (true) {
        if (i >= s.size()) return invalid_argument("unterminated quoted identifier at position " + std::to_string(start));
        if (s[i] == '"') {
          if (i + 1 < s.size() && s[i + 1] == '"') {
            text.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        text.push_back(s[i++]);
      }
      tokens.push_back({TokenKind::kQuotedIdentifier, text, start});
    } else if (c == '\'') {
      size_t start = i++;
      std::string text;
      while (true) {
        if (i >= s.size()) return invalid_argument("unterminated quoted string at position " + std::to_string(start));
        if (s[i] == '\'') {
          if (i + 1 < s.size() && s[i + 1] == '\'') {
            text.push_back('\'');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        text.push_back(s[i++]);
      }
      tokens.push_back({TokenKind::kString, text, start});
    } else if (is_digit(c) || (c == '-' && i + 1 < s.size() && is_digit(s[i + 1]))) {
      size_t start = i++;
      while (i < s.size() && is_digit(s[i])) ++i;
      tokens.push_back({TokenKind::kInteger, std::string(s.substr(start, i - start)), start});
    } else if (c == '$' && i + 1 < s.size() && is_digit(s[i + 1])) {
      size_t start = i++;
      while (i < s.size() && is_digit(s[i])) ++i;
      tokens.push_back({TokenKind::kParam, std::string(s.substr(start + 1, i - start - 1)), start});
    } else if (c == '=') {
      tokens.push_back({TokenKind::kEquals, "=", i++});
    } else {
      tokens.push_back({TokenKind::kOther, std::string(1, c), i++});
    }
  }
  tokens.push_back({TokenKind::kEnd, "", s.size()});
  return tokens;
}

}  // namespace

Result<EqualityFilter> EqualityFilter::compile(std::string_view where, const TableSchema& table,
                                               const std::vector<std::string>& params) {
  EqualityFilter filter;
  SHAPESIM_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(where));
  size_t i = 0;
  if (tokens[0].kind == TokenKind::kEnd) return filter;
  std::set<size_t> used_params;
  while (true) {
    const Token& col = tokens[i];
    if (col.kind != TokenKind::kIdentifier && col.kind != TokenKind::kQuotedIdentifier) {
      return syntax_error(col.kind == TokenKind::kEnd ? "end of input" : col.text, col.position);
    }
    const ColumnSchema* column = table.find_column(col.text);
    if (!column) {
      return invalid_argument("column \"" + col.text + "\" does not exist (position " + std::to_string(col.position) + ")");
    }
    const Token& eq = tokens[++i];
    if (eq.kind != TokenKind::kEquals) {
      return syntax_error(eq.kind == TokenKind::kEnd ? "end of input" : eq.text, eq.position);
    }
    const Token& constant = tokens[++i];
    Result<Value> value = invalid_argument("unreachable");
    switch (constant.kind) {
      case TokenKind::kInteger:
      case TokenKind::kString:
        value = Value::from_pg_text(column->type, constant.text);
        break;
      case TokenKind::kIdentifier:
        if (constant.text == "true" || constant.text == "false") {
          if (column->type != ColumnType::kBool) {
            return invalid_argument(std::string("operator does not exist: ") + column_type_name(column->type) +
                                    " = boolean (position " + std::to_string(eq.position) + ")");
          }
          value = Value(constant.text == "true");
          break;
        }
        return syntax_error(constant.text, constant.position);
      case TokenKind::kParam: {
        uint64_t n = 0;
        if (!parse_uint64(constant.text, n) || n == 0 || n > params.size()) {
          return invalid_argument("there is no parameter $" + constant.text + " (position " +
                                  std::to_string(constant.position) + ")");
        }
        used_params.insert(n);
        value = Value::from_pg_text(column->type, params[n - 1]);
        break;
      }
      default:
        return syntax_error(constant.kind == TokenKind::kEnd ? "end of input" : constant.text, constant.position);
    }
    if (!value.ok()) {
      return invalid_argument(value.status().message() + " (position " + std::to_string(constant.position) + ")");
    }
    filter.terms_.push_back({column->name, std::move(*value)});
    const Token& next = tokens[++i];
    if (next.kind == TokenKind::kEnd) break;
    if (next.kind == TokenKind::kIdentifier && next.text == "and") {
      ++i;
      continue;
    }
    return syntax_error(next.text, next.position);
  }
  if (used_params.size() != params.size()) {
    return invalid_argument("params: " + std::to_string(params.size()) + " given but " +
                            std::to_string(used_params.size()) + " used by the where clause");
  }
  return filter;
}

bool EqualityFilter::matches(const Row& row) const {
  for (const auto& term : terms_) {
    auto it = row.find(term.column);
    if (it == row.end() || it->second.is_null() || !(it->second == term.value)) return false;
  }
  return true;
}

}  // namespace shapesim
