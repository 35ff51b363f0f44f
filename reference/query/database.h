// Database: local collections and the live queries over them.
//
//   Database db;
//   Collection& tasks = *db.create_collection("tasks", {"id", "status", "priority"}, {"id"});
//   LiveQuery& open = *db.live(from(tasks).where(eq(col("status"), "open")));
//   db.insert(tasks, {Value(1), Value("open"), Value(3)});
//   Transaction tx;                                  // several writes, one consistent batch
//   tx.update(tasks, {Value(1), Value("done"), Value(3)});
//   tx.remove(users, {Value(7)});
//   db.apply(std::move(tx));
//
// A transaction is all or nothing: an insert of a present key, an update or remove of an
// absent one, or a row of the wrong width fails it and nothing changes. When it commits,
// every live query reading a touched source (directly or through another live query) is
// brought up to date, in creation order, and only then are subscribers notified: a callback
// never sees one live query ahead of another.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "reference/query/live_query.h"

namespace shapesim::query {

class Collection : public Source {
 public:
  const std::string& name() const override { return name_; }
  const std::vector<std::string>& columns() const override { return columns_; }
  void for_each_row(const std::function<void(const Tuple& key, const Tuple& values)>& fn) const override;
  size_t row_count() const override { return rows_.size(); }
  size_t key_width() const override { return key_columns_.size(); }
  uint64_t sequence() const override { return sequence_; }

  const Tuple* find(const Tuple& key) const;
  Tuple key_of(const Tuple& values) const;

 private:
  friend class Database;
  Collection(std::string name, std::vector<std::string> columns, std::vector<size_t> key_columns, uint64_t sequence)
      : name_(std::move(name)), columns_(std::move(columns)), key_columns_(std::move(key_columns)), sequence_(sequence) {}

  std::string name_;
  std::vector<std::string> columns_;
  std::vector<size_t> key_columns_;
  uint64_t sequence_;
  std::unordered_map<Tuple, Tuple, TupleHash, TupleEq> rows_;
};

class Transaction {
 public:
  void insert(Collection& c, Tuple values) { ops_.push_back({Op::kInsert, &c, std::move(values)}); }
  void update(Collection& c, Tuple values) { ops_.push_back({Op::kUpdate, &c, std::move(values)}); }  // by the row's key
  void upsert(Collection& c, Tuple values) { ops_.push_back({Op::kUpsert, &c, std::move(values)}); }
  void remove(Collection& c, Tuple key) { ops_.push_back({Op::kRemove, &c, std::move(key)}); }
  bool empty() const { return ops_.empty(); }

 private:
  friend class Database;
  struct Op {
    enum Kind { kInsert, kUpdate, kUpsert, kRemove } kind;
    Collection* collection;
    Tuple tuple;  // the row (insert/update/upsert) or the key (remove)
  };
  std::vector<Op> ops_;
};

class Database {
 public:
  Result<Collection*> create_collection(std::string name, std::vector<std::string> columns,
                                        const std::vector<std::string>& key_columns);
  // Compiles the query and builds its first result.
  Result<LiveQuery*> live(const Query& query);
  // Removes a live query no other live query reads.
  Status drop(LiveQuery* query);

  Status apply(Transaction tx);
  Status insert(Collection& c, Tuple values);
  Status update(Collection& c, Tuple values);
  Status upsert(Collection& c, Tuple values);
  Status remove(Collection& c, Tuple key);

 private:
  uint64_t next_sequence_ = 1;
  std::vector<std::unique_ptr<Collection>> collections_;
  std::vector<std::unique_ptr<LiveQuery>> queries_;  // in creation (= sequence) order
};

}  // namespace shapesim::query
