#include "reference/common/sql_identifier.h"

namespace shapesim {

namespace {

// `text` between `quote`s, each `quote` inside doubled.
std::string quoted(const std::string& text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    if (c == quote) out.push_back(quote);
    out.push_back(c);
  }
  return out + quote;
}

}  // namespace

std::string quote_identifier(const std::string& id) { return quoted(id, '"'); }

std::string quote_literal(const std::string& text) { return quoted(text, '\''); }

std::string format_identifier(const std::string& id) {
  bool plain = !id.empty() && ((id[0] >= 'a' && id[0] <= 'z') || id[0] == '_');
  for (char c : id) {
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$');
  }
  return plain ? id : quote_identifier(id);
}

}  // namespace shapesim
