#include "reference/sql/lexer.h"

#include <cctype>

#include "reference/sql/where_error.h"

namespace shapesim::sql {

namespace {

bool op_char(char c) {
  return c == '+' || c == '-' || c == '*' || c == '/' || c == '<' || c == '>' || c == '=' || c == '~' || c == '!' ||
         c == '@' || c == '#' || c == '%' || c == '^' || c == '&' || c == '|' || c == '`' || c == '?';
}

}  // namespace

Status syntax_error_near(std::string_view text, const std::string& near, size_t pos) {
  return syntax_error(text, pos, "syntax error at or near \"" + near + "\"");
}

Result<std::vector<Token>> lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {  // comment to end of line
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      size_t end = s.find("*/", i + 2);
      if (end == std::string_view::npos) return syntax_error(s, i, "unterminated /* comment");
      i = end + 2;
      continue;
    }
    size_t start = i;
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80) {
      // E'...' escape strings.
      if ((c == 'e' || c == 'E') && i + 1 < s.size() && s[i + 1] == '\'') {
        i += 2;
        std::string text;
        while (true) {
          if (i >= s.size()) return syntax_error(s, start, "unterminated quoted string at or near \"" + std::string(s.substr(start)) + "\"");
          char ch = s[i++];
          if (ch == '\'') {
            if (i < s.size() && s[i] == '\'') {
              text.push_back('\'');
              ++i;
              continue;
            }
            break;
          }
          if (ch == '\\' && i < s.size()) {
            char e = s[i++];
            switch (e) {
              case 'n': text.push_back('\n'); break;
              case 't': text.push_back('\t'); break;
              case 'r': text.push_back('\r'); break;
              case 'b': text.push_back('\b'); break;
              case 'f': text.push_back('\f'); break;
              default: text.push_back(e);
            }
            continue;
          }
          text.push_back(ch);
        }
        out.push_back({Tok::kString, text, start});
        continue;
      }
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '$' ||
                              static_cast<unsigned char>(s[i]) >= 0x80)) {
        ++i;
      }
      std::string word(s.substr(start, i - start));
      for (auto& ch : word) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      out.push_back({Tok::kIdent, word, start});
      continue;
    }
    if (c == '"') {
      ++i;
      std::string text;
      while (true) {
        if (i >= s.size()) return syntax_error(s, start, "unterminated quoted identifier at or near \"" + std::string(s.substr(start)) + "\"");
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
      if (text.empty()) return syntax_error(s, start, "zero-length delimited identifier at or near \"\"\"\"");
      out.push_back({Tok::kQuotedIdent, text, start});
      continue;
    }
    if (c == '\'') {
      ++i;
      std::string text;
      while (true) {
        if (i >= s.size()) return syntax_error(s, start, "unterminated quoted string at or near \"" + std::string(s.substr(start)) + "\"");
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
      out.push_back({Tok::kString, text, start});
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      bool number = false;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      if (i < s.size() && s[i] == '.' && !(i + 1 < s.size() && s[i + 1] == '.')) {
        number = true;
        ++i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      }
      if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
        if (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
          number = true;
          i = j;
          while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        }
      }
      if (i < s.size() && (std::isalpha(static_cast<unsigned char>(s[i])) || s[i] == '_')) {
        return syntax_error(s, start,
                            "trailing junk after numeric literal at or near \"" + std::string(s.substr(start, i - start + 1)) + "\"");
      }
      out.push_back({number ? Tok::kNumber : Tok::kInteger, std::string(s.substr(start, i - start)), start});
      continue;
    }
    if (c == '$' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      out.push_back({Tok::kParam, std::string(s.substr(start + 1, i - start - 1)), start});
      continue;
    }
    if (c == ':' && i + 1 < s.size() && s[i + 1] == ':') {
      out.push_back({Tok::kCast, "::", start});
      i += 2;
      continue;
    }
    if (op_char(c)) {
      size_t j = i;
      while (j < s.size() && op_char(s[j])) {
        if (j + 1 < s.size() && ((s[j] == '-' && s[j + 1] == '-') || (s[j] == '/' && s[j + 1] == '*'))) break;
        ++j;
      }
      std::string op(s.substr(i, j - i));
      // PostgreSQL: a multi-character operator cannot end in + or - unless it contains one of ~ ! @ # % ^ & | ` ?
      if (op.size() > 1 && op.find_first_of("~!@#%^&|`?") == std::string::npos) {
        while (op.size() > 1 && (op.back() == '+' || op.back() == '-')) op.pop_back();
      }
      out.push_back({Tok::kOp, op, start});
      i += op.size();
      continue;
    }
    switch (c) {
      case '(': out.push_back({Tok::kLParen, "(", start}); break;
      case ')': out.push_back({Tok::kRParen, ")", start}); break;
      case '[': out.push_back({Tok::kLBracket, "[", start}); break;
      case ']': out.push_back({Tok::kRBracket, "]", start}); break;
      case ',': out.push_back({Tok::kComma, ",", start}); break;
      case '.': out.push_back({Tok::kDot, ".", start}); break;
      default: return syntax_error_near(s, std::string(1, c), start);
    }
    ++i;
  }
  out.push_back({Tok::kEnd, "", s.size()});
  return out;
}

}  // namespace shapesim::sql
