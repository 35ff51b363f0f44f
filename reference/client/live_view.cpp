#include "reference/client/live_view.h"

namespace shapesim {

Result<LiveView> LiveView::create(query::Database& db, std::string collection, std::vector<std::string> columns,
                                  const std::vector<std::string>& key_columns) {
  SHAPESIM_ASSIGN_OR_RETURN(query::Collection * mirror, db.create_collection(collection, columns, key_columns));
  return LiveView(db, std::move(collection), std::move(columns), mirror);
}

query::Tuple LiveView::tuple_of(const WireRow& row) const {
  query::Tuple t;
  t.reserve(columns_.size());
  for (const auto& c : columns_) {
    auto it = row.find(c);
    t.push_back(it == row.end() || !it->second ? Value() : Value(*it->second));
  }
  return t;
}

Status LiveView::apply(const std::vector<VisibleChange>& changes) {
  query::Transaction tx;
  for (const auto& c : changes) {
    if (c.collection != collection_) continue;
    if (c.after) {
      tx.upsert(*mirror_, tuple_of(*c.after));
    } else if (c.before) {
      tx.remove(*mirror_, mirror_->key_of(tuple_of(*c.before)));
    }
  }
  if (tx.empty()) return Status::Ok();
  return db_->apply(std::move(tx));
}

}  // namespace shapesim
