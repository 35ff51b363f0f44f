// Query: the description of a live query, built fluently and readable at the call site:
//
//   auto open_tasks = from(tasks).where(eq(col("status"), "open"))
//                         .order_by(desc(col("created_at"))).limit(100)
//                         .select({{"id", col("id")}, {"priority", col("priority")}});
//   auto with_names = from(tasks, "t").inner_join(users, "u", col("t.assignee"), col("u.id"))
//                         .select({{"id", col("t.id")}, {"name", col("u.name")}});
//   auto per_user   = from(tasks).group_by({col("assignee")})
//                         .select({{"assignee", col("assignee")}, {"n", count()}, {"total", sum(col("priority"))}})
//                         .having(gt(col("n"), 10));
//
// Evaluation order (as SQL): from and joins, where, group_by with aggregates, having, select,
// distinct, order_by, offset/limit. Joins are on equality of one expression per side; a
// where on the joined row filters after the join. Without group_by, aggregates in select make
// one group of all rows. order_by may name source columns or select names (with distinct:
// select names only). Rows with equal sort keys are ordered by their key, so results are
// deterministic. A Query is a value: each method returns a new one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reference/query/expression.h"
#include "reference/query/source.h"

namespace shapesim::query {

enum class JoinKind { kInner, kLeft, kRight, kFull };

struct OrderTerm {
  Expr expr;
  bool descending = false;
  std::optional<bool> nulls_first;  // default as PostgreSQL: NULLs sort as larger than any value

  bool effective_nulls_first() const { return nulls_first.value_or(descending); }
  OrderTerm nulls_first_() const { return {expr, descending, true}; }
  OrderTerm nulls_last_() const { return {expr, descending, false}; }
};
OrderTerm asc(Expr e);
OrderTerm desc(Expr e);

struct SelectItem {
  std::string name;
  Expr expr;
};

struct JoinClause {
  const Source* source;
  std::string alias;
  Expr left_key;   // over the rows joined so far
  Expr right_key;  // over the joined source's row
  JoinKind kind;
};

class Query {
 public:
  Query(const Source& source, std::string alias);

  Query where(Expr condition) const;  // several: AND
  Query join(const Source& source, std::string alias, Expr left_key, Expr right_key, JoinKind kind) const;
  Query inner_join(const Source& s, std::string alias, Expr left_key, Expr right_key) const;
  Query left_join(const Source& s, std::string alias, Expr left_key, Expr right_key) const;
  Query right_join(const Source& s, std::string alias, Expr left_key, Expr right_key) const;
  Query full_join(const Source& s, std::string alias, Expr left_key, Expr right_key) const;
  Query select(std::vector<SelectItem> items) const;
  Query group_by(std::vector<Expr> keys) const;
  Query having(Expr condition) const;
  Query distinct() const;
  Query order_by(OrderTerm term) const;  // several calls: later terms break ties of earlier ones
  Query limit(size_t n) const;
  Query offset(size_t n) const;
  Query find_one() const;  // limit 1; LiveQuery::one() reads it

  // The parts, for the compiler and the reference evaluator.
  const Source& from_source() const { return *from_; }
  const std::string& from_alias() const { return alias_; }
  const std::vector<JoinClause>& joins() const { return joins_; }
  const std::optional<Expr>& where_clause() const { return where_; }
  const std::vector<Expr>& group_keys() const { return group_by_; }
  bool grouped() const;  // group_by, or aggregates in select
  const std::optional<Expr>& having_clause() const { return having_; }
  const std::vector<SelectItem>& select_items() const { return select_; }
  bool is_distinct() const { return distinct_; }
  const std::vector<OrderTerm>& order_terms() const { return order_; }
  std::optional<size_t> limit_value() const { return limit_; }
  size_t offset_value() const { return offset_; }
  bool is_find_one() const { return find_one_; }
  std::string to_string() const;

 private:
  const Source* from_;
  std::string alias_;
  std::vector<JoinClause> joins_;
  std::optional<Expr> where_;
  std::vector<Expr> group_by_;
  std::optional<Expr> having_;
  std::vector<SelectItem> select_;
  bool distinct_ = false;
  std::vector<OrderTerm> order_;
  std::optional<size_t> limit_;
  size_t offset_ = 0;
  bool find_one_ = false;
};

// The query's source, aliased by its name.
Query from(const Source& source);
Query from(const Source& source, std::string alias);

}  // namespace shapesim::query
