#include "reference/common/sql_identifier.h"

namespace shapesim {

std::string quote_identifier(const std::string& id) {
  std::string out = "\"";
  for (char c : id) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

std::string format_identifier(const std::string& id) {
  bool plain = !id.empty() && ((id[0] >= 'a' && id[0] <= 'z') || id[0] == '_');
  for (char c : id) {
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$');
  }
  return plain ? id : quote_identifier(id);
}

}  // namespace shapesim
