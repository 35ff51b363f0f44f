// Property tests of live queries (CTest label `query`): for random schemas, queries and
// sequences of transactions (inserts, updates, deletes; single and batched, across two
// collections), after every transaction
//   - each live query's result equals a from-scratch evaluation (evaluate()), in order;
//   - the changes it emitted, applied to its first result, reproduce its current result;
//   - a live query reading another live query agrees with evaluating its query too.
// RapidCheck shrinks a failure to a small schema, query and transaction list.
#include <map>

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include "reference/query/database.h"

namespace shapesim::query {
namespace {

enum class ColType { kInt, kText };

struct CollectionSpec {
  std::string name;
  std::vector<ColType> types;  // column 0 is the key "id" (int)
  std::vector<std::string> columns() const {
    std::vector<std::string> c = {"id"};
    for (size_t i = 1; i < types.size(); ++i) c.push_back(name.substr(0, 1) + std::to_string(i));
    return c;
  }
};

rc::Gen<Value> value_of(ColType t) {
  if (t == ColType::kInt) {
    return rc::gen::weightedOneOf<Value>({{1, rc::gen::just(Value())},
                                          {6, rc::gen::map(rc::gen::inRange<int64_t>(-2, 5), [](int64_t v) { return Value(v); })}});
  }
  return rc::gen::weightedOneOf<Value>(
      {{1, rc::gen::just(Value())}, {6, rc::gen::map(rc::gen::elementOf(std::vector<std::string>{"a", "b", "B", "ab", ""}),
                                                     [](std::string s) { return Value(std::move(s)); })}});
}

Tuple random_row(const CollectionSpec& spec, int64_t id) {
  Tuple row = {Value(id)};
  for (size_t i = 1; i < spec.types.size(); ++i) row.push_back(*value_of(spec.types[i]));
  return row;
}

// A column of `spec` of type `t` qualified by `alias`, if there is one.
std::optional<std::string> pick_column(const CollectionSpec& spec, const std::string& alias, std::optional<ColType> t) {
  std::vector<std::string> names;
  auto cols = spec.columns();
  for (size_t i = 0; i < cols.size(); ++i) {
    if (!t || spec.types[i] == *t) names.push_back(alias + "." + cols[i]);
  }
  if (names.empty()) return std::nullopt;
  return *rc::gen::elementOf(names);
}

Expr literal_of(ColType t) {
  Value v = *value_of(t);
  return lit(v);
}

// A predicate over the columns of the given (spec, alias) sources.
Expr predicate(const std::vector<std::pair<const CollectionSpec*, std::string>>& sources, int depth) {
  // An index, not the element: RapidCheck replays generated values while shrinking, and a
  // pointer into this run's World would dangle in the next one.
  const auto& [spec, alias] = sources[*rc::gen::inRange<size_t>(0, sources.size())];
  ColType t = *rc::gen::elementOf(std::vector<ColType>{ColType::kInt, ColType::kText});
  auto column = pick_column(*spec, alias, t);
  if (!column) {
    t = ColType::kInt;
    column = alias + ".id";
  }
  int choice = *rc::gen::inRange(0, depth > 0 ? 9 : 6);
  switch (choice) {
    case 0: return eq(col(*column), literal_of(t));
    case 1: return ne(col(*column), literal_of(t));
    case 2: return lt(col(*column), literal_of(t));
    case 3: return ge(col(*column), literal_of(t));
    case 4: return is_null(col(*column));
    case 5: return t == ColType::kText ? like(col(*column), lit(Value("a%"))) : gt(add(col(*column), 1), 2);
    case 6: return in(col(*column), {literal_of(t), literal_of(t)});
    case 7: return and_(predicate(sources, depth - 1), predicate(sources, depth - 1));
    case 8: return or_(predicate(sources, depth - 1), predicate(sources, depth - 1));
    default: return not_(predicate(sources, depth - 1));
  }
}

struct World {
  Database db;
  CollectionSpec a_spec, b_spec;
  Collection* a = nullptr;
  Collection* b = nullptr;
};

Query random_query(World& w) {
  std::vector<std::pair<const CollectionSpec*, std::string>> sources = {{&w.a_spec, "a"}};
  Query q = from(*w.a, "a");
  if (*rc::gen::inRange(0, 3) > 0) {
    auto kind = *rc::gen::elementOf(std::vector<JoinKind>{JoinKind::kInner, JoinKind::kLeft, JoinKind::kRight, JoinKind::kFull});
    ColType t = *rc::gen::elementOf(std::vector<ColType>{ColType::kInt, ColType::kText});
    auto left = pick_column(w.a_spec, "a", t);
    auto right = pick_column(w.b_spec, "b", t);
    if (!left || !right) {
      left = "a.id";
      right = "b.id";
    }
    q = q.join(*w.b, "b", col(*left), col(*right), kind);
    sources.push_back({&w.b_spec, "b"});
  }
  if (*rc::gen::inRange(0, 3) > 0) q = q.where(predicate(sources, 2));

  std::vector<std::string> all_columns;
  for (const auto& [spec, alias] : sources) {
    for (const auto& c : spec->columns()) all_columns.push_back(alias + "." + c);
  }
  int shape = *rc::gen::inRange(0, 4);  // 0: all columns, 1: select, 2: grouped, 3: distinct select
  std::vector<std::string> output;
  if (shape == 2) {
    std::vector<Expr> keys;
    std::vector<SelectItem> items;
    size_t nkeys = *rc::gen::inRange<size_t>(0, 3);
    for (size_t i = 0; i < nkeys; ++i) {
      std::string c = *rc::gen::elementOf(all_columns);
      keys.push_back(col(c));
      items.push_back({"k" + std::to_string(i), col(c)});
    }
    std::vector<std::string> ints;
    for (const auto& [spec, alias] : sources) {
      auto cols = spec->columns();
      for (size_t i = 0; i < cols.size(); ++i) {
        if (spec->types[i] == ColType::kInt) ints.push_back(alias + "." + cols[i]);
      }
    }
    items.push_back({"n", count()});
    size_t naggs = *rc::gen::inRange<size_t>(0, 3);
    for (size_t i = 0; i < naggs; ++i) {
      std::string c = *rc::gen::elementOf(ints);
      switch (*rc::gen::inRange(0, 5)) {
        case 0: items.push_back({"g" + std::to_string(i), count(col(c))}); break;
        case 1: items.push_back({"g" + std::to_string(i), sum(col(c))}); break;
        case 2: items.push_back({"g" + std::to_string(i), avg(col(c))}); break;
        case 3: items.push_back({"g" + std::to_string(i), min(col(*rc::gen::elementOf(all_columns)))}); break;
        default: items.push_back({"g" + std::to_string(i), max(col(*rc::gen::elementOf(all_columns)))}); break;
      }
    }
    for (const auto& item : items) output.push_back(item.name);
    q = q.group_by(keys).select(items);
    if (*rc::gen::inRange(0, 3) == 0) q = q.having(gt(col("n"), *rc::gen::inRange(0, 3)));
  } else if (shape == 1 || shape == 3) {
    std::vector<SelectItem> items;
    size_t n = *rc::gen::inRange<size_t>(1, 4);
    for (size_t i = 0; i < n; ++i) {
      std::string c = *rc::gen::elementOf(all_columns);
      Expr e = *rc::gen::inRange(0, 4) == 0 ? Expr(coalesce({col(c), lit(Value("none"))})) : col(c);
      items.push_back({"c" + std::to_string(i), e});
      output.push_back("c" + std::to_string(i));
    }
    q = q.select(items);
    if (shape == 3) q = q.distinct();
  } else {
    output = sources.size() == 1 ? w.a_spec.columns() : all_columns;
  }
  if (*rc::gen::inRange(0, 2) == 0) {
    // Order by output columns (always valid) or, when allowed, by source columns.
    bool over_output = shape == 2 || shape == 3;
    size_t terms = *rc::gen::inRange<size_t>(1, 3);
    for (size_t i = 0; i < terms; ++i) {
      std::string c = over_output || *rc::gen::arbitrary<bool>() ? *rc::gen::elementOf(output) : *rc::gen::elementOf(all_columns);
      OrderTerm t = *rc::gen::arbitrary<bool>() ? desc(col(c)) : asc(col(c));
      int nulls = *rc::gen::inRange(0, 3);
      if (nulls == 1) t = t.nulls_first_();
      if (nulls == 2) t = t.nulls_last_();
      q = q.order_by(t);
    }
  }
  if (*rc::gen::inRange(0, 2) == 0) q = q.limit(*rc::gen::inRange<size_t>(0, 5));
  if (*rc::gen::inRange(0, 3) == 0) q = q.offset(*rc::gen::inRange<size_t>(0, 3));
  return q;
}

// What a subscriber reconstructs from the first result and the emitted changes.
struct Mirror {
  std::map<Tuple, Tuple, TupleLess> rows;
  std::string error;
  void apply(const std::vector<ResultChange>& batch) {
    std::set<Tuple, TupleLess> seen;
    for (const auto& c : batch) {
      if (!seen.insert(c.key).second) error = "key " + tuple_to_string(c.key) + " twice in one batch";
      bool present = rows.count(c.key) > 0;
      switch (c.kind) {
        case ResultChangeKind::kInsert:
          if (present) error = "insert of present key " + tuple_to_string(c.key);
          rows[c.key] = c.values;
          break;
        case ResultChangeKind::kUpdate:
          if (!present) error = "update of absent key " + tuple_to_string(c.key);
          if (present && compare_tuples(rows[c.key], c.values) == 0) error = "update that changes nothing";
          rows[c.key] = c.values;
          break;
        case ResultChangeKind::kDelete:
          if (!present) error = "delete of absent key " + tuple_to_string(c.key);
          rows.erase(c.key);
          break;
      }
    }
  }
};

std::string describe(const std::vector<ResultRow>& rows) {
  std::string out;
  for (const auto& r : rows) out += "  " + tuple_to_string(r.key) + " -> " + tuple_to_string(r.values) + "\n";
  return out;
}

TEST(LiveQueryProperty, EqualsFromScratchEvaluationAfterEveryTransaction) {
  bool ok = rc::check("live result == evaluate(query) after every transaction", [] {
    World w;
    auto types = [](size_t extra) {
      std::vector<ColType> t = {ColType::kInt};
      for (size_t i = 0; i < extra; ++i) t.push_back(*rc::gen::elementOf(std::vector<ColType>{ColType::kInt, ColType::kText}));
      return t;
    };
    w.a_spec = {"a", types(*rc::gen::inRange<size_t>(1, 4))};
    w.b_spec = {"b", types(*rc::gen::inRange<size_t>(1, 3))};
    w.a = *w.db.create_collection("a", w.a_spec.columns(), {"id"});
    w.b = *w.db.create_collection("b", w.b_spec.columns(), {"id"});
    // Initial rows.
    const int64_t a_rows = *rc::gen::inRange<int64_t>(0, 8), b_rows = *rc::gen::inRange<int64_t>(0, 6);
    for (int64_t id = 0; id < a_rows; ++id) RC_ASSERT(w.db.insert(*w.a, random_row(w.a_spec, id)).ok());
    for (int64_t id = 0; id < b_rows; ++id) RC_ASSERT(w.db.insert(*w.b, random_row(w.b_spec, id)).ok());

    // Two live queries, the second possibly over the first.
    std::vector<Query> queries = {random_query(w)};
    std::vector<LiveQuery*> live;
    std::vector<Mirror> mirrors(3);
    auto add_live = [&](const Query& q) {
      auto made = w.db.live(q);
      RC_ASSERT(made.ok());
      live.push_back(*made);
      Mirror& m = mirrors[live.size() - 1];
      for (const auto& r : (*made)->rows()) m.rows[r.key] = r.values;
      (*made)->subscribe([&m](const std::vector<ResultChange>& batch) { m.apply(batch); });
    };
    add_live(queries[0]);
    add_live(random_query(w));
    if (*rc::gen::arbitrary<bool>()) {
      // A live query reading the first one: its rows sorted by the first output column.
      const LiveQuery& base = *live[0];
      Query over = from(base, "l").order_by(desc(col(base.columns()[0]))).limit(*rc::gen::inRange<size_t>(1, 6));
      add_live(over);
    }
    RC_TAG(live.size() == 3 ? "chained" : "flat");

    auto check_all = [&](const std::string& when) {
      for (size_t i = 0; i < live.size(); ++i) {
        auto expected = evaluate(live[i]->query());
        RC_ASSERT(expected.ok());
        auto got = live[i]->rows();
        if (!(got == *expected)) {
          RC_FAIL(when + ": " + live[i]->query().to_string() + "\nlive:\n" + describe(got) + "from scratch:\n" + describe(*expected) +
                  "a:\n" + describe(*evaluate(from(*w.a))) + "b:\n" + describe(*evaluate(from(*w.b))));
        }
        if (!mirrors[i].error.empty()) RC_FAIL(when + ": emitted changes: " + mirrors[i].error);
        std::map<Tuple, Tuple, TupleLess> now;
        for (const auto& r : got) now[r.key] = r.values;
        if (now != mirrors[i].rows) RC_FAIL(when + ": the emitted changes do not reproduce the result of " + live[i]->query().to_string());
      }
    };
    check_all("first result");

    size_t steps = *rc::gen::inRange<size_t>(1, 15);
    for (size_t step = 0; step < steps; ++step) {
      Transaction tx;
      size_t ops = *rc::gen::inRange<size_t>(1, 4);
      std::string described;
      // Keys each op may touch, tracked so the transaction is valid.
      for (size_t k = 0; k < ops; ++k) {
        bool on_a = *rc::gen::arbitrary<bool>();
        Collection& c = on_a ? *w.a : *w.b;
        const CollectionSpec& spec = on_a ? w.a_spec : w.b_spec;
        int64_t id = *rc::gen::inRange<int64_t>(0, 10);
        int kind = *rc::gen::inRange(0, 3);
        if (kind == 0) {
          tx.upsert(c, random_row(spec, id));
          described += " upsert " + c.name() + "#" + std::to_string(id);
        } else if (kind == 1) {
          tx.upsert(c, random_row(spec, id));
          tx.remove(c, {Value(id)});
          described += " upsert+remove " + c.name() + "#" + std::to_string(id);
        } else {
          // A remove only of a key present before this transaction's other ops touch it.
          if (c.find({Value(id)})) {
            tx.upsert(c, random_row(spec, id));
            described += " update " + c.name() + "#" + std::to_string(id);
          }
        }
      }
      RC_ASSERT(w.db.apply(std::move(tx)).ok());
      check_all("after step " + std::to_string(step) + ":" + described);
    }
  });
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace shapesim::query
