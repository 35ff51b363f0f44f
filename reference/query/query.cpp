#include "reference/query/query.h"

namespace shapesim::query {

OrderTerm asc(Expr e) { return {std::move(e), false, std::nullopt}; }
OrderTerm desc(Expr e) { return {std::move(e), true, std::nullopt}; }

Query::Query(const Source& source, std::string alias) : from_(&source), alias_(std::move(alias)) {}

Query from(const Source& source) { return Query(source, source.name()); }
Query from(const Source& source, std::string alias) { return Query(source, std::move(alias)); }

Query Query::where(Expr condition) const {
  Query q = *this;
  q.where_ = where_ ? and_(*where_, std::move(condition)) : std::move(condition);
  return q;
}
Query Query::join(const Source& source, std::string alias, Expr left_key, Expr right_key, JoinKind kind) const {
  Query q = *this;
  q.joins_.push_back({&source, std::move(alias), std::move(left_key), std::move(right_key), kind});
  return q;
}
Query Query::inner_join(const Source& s, std::string alias, Expr l, Expr r) const {
  return join(s, std::move(alias), std::move(l), std::move(r), JoinKind::kInner);
}
Query Query::left_join(const Source& s, std::string alias, Expr l, Expr r) const {
  return join(s, std::move(alias), std::move(l), std::move(r), JoinKind::kLeft);
}
Query Query::right_join(const Source& s, std::string alias, Expr l, Expr r) const {
  return join(s, std::move(alias), std::move(l), std::move(r), JoinKind::kRight);
}
Query Query::full_join(const Source& s, std::string alias, Expr l, Expr r) const {
  return join(s, std::move(alias), std::move(l), std::move(r), JoinKind::kFull);
}
Query Query::select(std::vector<SelectItem> items) const {
  Query q = *this;
  q.select_ = std::move(items);
  return q;
}
Query Query::group_by(std::vector<Expr> keys) const {
  Query q = *this;
  q.group_by_ = std::move(keys);
  return q;
}
Query Query::having(Expr condition) const {
  Query q = *this;
  q.having_ = having_ ? and_(*having_, std::move(condition)) : std::move(condition);
  return q;
}
Query Query::distinct() const {
  Query q = *this;
  q.distinct_ = true;
  return q;
}
Query Query::order_by(OrderTerm term) const {
  Query q = *this;
  q.order_.push_back(std::move(term));
  return q;
}
Query Query::limit(size_t n) const {
  Query q = *this;
  q.limit_ = n;
  return q;
}
Query Query::offset(size_t n) const {
  Query q = *this;
  q.offset_ = n;
  return q;
}
Query Query::find_one() const {
  Query q = limit(1);
  q.find_one_ = true;
  return q;
}

bool Query::grouped() const {
  if (!group_by_.empty()) return true;
  for (const auto& item : select_) {
    if (item.expr.node().op == ExprOp::kAggregate) return true;
  }
  return false;
}

std::string Query::to_string() const {
  std::string out = "SELECT ";
  if (distinct_) out += "DISTINCT ";
  if (select_.empty()) out += "*";
  for (size_t i = 0; i < select_.size(); ++i) out += (i ? ", " : "") + select_[i].expr.to_string() + " AS " + select_[i].name;
  out += " FROM " + from_->name() + " " + alias_;
  static const char* kJoin[] = {"JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"};
  for (const auto& j : joins_) {
    out += std::string(" ") + kJoin[static_cast<int>(j.kind)] + " " + j.source->name() + " " + j.alias + " ON " +
           j.left_key.to_string() + " = " + j.right_key.to_string();
  }
  if (where_) out += " WHERE " + where_->to_string();
  for (size_t i = 0; i < group_by_.size(); ++i) out += (i ? ", " : " GROUP BY ") + group_by_[i].to_string();
  if (having_) out += " HAVING " + having_->to_string();
  for (size_t i = 0; i < order_.size(); ++i) {
    out += (i ? ", " : " ORDER BY ") + order_[i].expr.to_string() + (order_[i].descending ? " DESC" : "") +
           (order_[i].effective_nulls_first() ? " NULLS FIRST" : " NULLS LAST");
  }
  if (limit_) out += " LIMIT " + std::to_string(*limit_);
  if (offset_) out += " OFFSET " + std::to_string(offset_);
  return out;
}

}  // namespace shapesim::query
