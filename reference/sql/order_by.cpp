#include "reference/sql/order_by.h"

#include <cctype>

#include "reference/sql/checker.h"
#include "reference/sql/parser.h"

namespace shapesim::sql {

namespace {

// Splits at commas outside parentheses, brackets, string literals and quoted identifiers.
std::vector<std::string_view> split_items(std::string_view text) {
  std::vector<std::string_view> items;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\'' || c == '"') {
      bool backslash_escapes = c == '\'' && i > 0 && (text[i - 1] == 'E' || text[i - 1] == 'e');
      for (++i; i < text.size(); ++i) {
        if (backslash_escapes && text[i] == '\\') {
          ++i;
        } else if (text[i] == c) {
          if (i + 1 < text.size() && text[i + 1] == c) {
            ++i;  // doubled quote
          } else {
            break;
          }
        }
      }
    } else if (c == '(' || c == '[') {
      ++depth;
    } else if (c == ')' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 0) {
      items.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  items.push_back(text.substr(start));
  return items;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Removes a trailing bare keyword (case-insensitive) preceded by whitespace.
bool strip_suffix_word(std::string_view& item, std::string_view word) {
  if (item.size() <= word.size()) return false;
  size_t at = item.size() - word.size();
  if (!std::isspace(static_cast<unsigned char>(item[at - 1]))) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(item[at + i])) != word[i]) return false;
  }
  item = trim(item.substr(0, at));
  return true;
}

}  // namespace

Result<OrderBy> OrderBy::compile(std::string_view text, const TableSchema& table,
                                 const std::vector<std::string>& params) {
  OrderBy order;
  if (trim(text).empty()) return order;
  for (std::string_view raw : split_items(text)) {
    std::string_view item = trim(raw);
    Item out;
    bool nulls_given = false;
    std::string_view probe = item;
    bool first = strip_suffix_word(probe, "first");
    bool nulls_clause = (first || strip_suffix_word(probe, "last")) && strip_suffix_word(probe, "nulls");
    if (nulls_clause) {  // otherwise `first`/`last` was a column name
      item = probe;
      out.nulls_first = first;
      nulls_given = true;
    }
    if (strip_suffix_word(item, "desc")) {
      out.descending = true;
    } else {
      strip_suffix_word(item, "asc");
    }
    if (!nulls_given) out.nulls_first = out.descending;
    if (item.empty()) return invalid_argument("syntax error in ORDER BY: empty sort key");
    SHAPESIM_ASSIGN_OR_RETURN(NodePtr tree, parse_where(item));
    SHAPESIM_ASSIGN_OR_RETURN(CheckResult checked, check_value_expression(*tree, table, params));
    if (checked.expr.kind == BoundKind::kColumn &&
        table.columns[static_cast<size_t>(checked.expr.column)].comparison != ColumnSchema::Comparison::kByType) {
      const ColumnSchema& c = table.columns[static_cast<size_t>(checked.expr.column)];
      return invalid_argument("cannot order by column \"" + c.name + "\" of type " + c.schema_type_name() +
                              ": its values do not sort as their text");
    }
    if (checked.expr.type.id == TypeId::kJson) {
      return invalid_argument("could not identify an ordering operator for type json");
    }
    out.expr = std::move(checked.expr);
    order.items_.push_back(std::move(out));
  }
  return order;
}

Result<OrderBy::SortKeys> OrderBy::keys(const std::vector<SqlValue>& row) const {
  SortKeys k;
  k.reserve(items_.size());
  for (const auto& item : items_) {
    SHAPESIM_ASSIGN_OR_RETURN(SqlValue v, evaluate(item.expr, row));
    k.push_back(std::move(v));
  }
  return k;
}

int OrderBy::compare(const SortKeys& a, const SortKeys& b) const {
  for (size_t i = 0; i < items_.size(); ++i) {
    const Item& item = items_[i];
    bool an = a[i].is_null(), bn = b[i].is_null();
    int c = 0;
    if (an || bn) {
      if (an && bn) continue;
      c = an == item.nulls_first ? -1 : 1;  // NULL placement is not reversed by DESC
      return c;
    }
    c = compare_values(a[i], b[i], item.expr.type);
    if (c != 0) return item.descending ? -c : c;
  }
  return 0;
}

}  // namespace shapesim::sql
