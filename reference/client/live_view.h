// LiveView: the visible rows of a client collection mirrored into a live-query Database, so
// queries (reference/query) run over what the user sees: an optimistic write shows in a live
// query at once, a rollback retracts it, a confirmation changes nothing.
//
//   query::Database db;
//   LiveView view(db, "tasks", {"id", "title", "done"}, {"id"});
//   LiveQuery& open = **db.live(from(*view.collection()).where(...));
//   view.apply(state.take_changes());   // after each engine step
//
// Values are the wire's PostgreSQL text (a column the row lacks is null); a value of a key
// column names the row. Changes of other collections are ignored.
#pragma once

#include <string>
#include <vector>

#include "reference/client/optimistic_state.h"
#include "reference/query/database.h"

namespace shapesim {

class LiveView {
 public:
  // Creates the mirror collection (named like the client collection) in `db`.
  static Result<LiveView> create(query::Database& db, std::string collection, std::vector<std::string> columns,
                                 const std::vector<std::string>& key_columns);
  // Applies one step's changes as one query transaction (live queries see the step whole).
  Status apply(const std::vector<VisibleChange>& changes);
  query::Collection* collection() const { return mirror_; }

 private:
  LiveView(query::Database& db, std::string collection, std::vector<std::string> columns, query::Collection* mirror)
      : db_(&db), collection_(std::move(collection)), columns_(std::move(columns)), mirror_(mirror) {}
  query::Tuple tuple_of(const WireRow& row) const;

  query::Database* db_;
  std::string collection_;
  std::vector<std::string> columns_;
  query::Collection* mirror_;
};

}  // namespace shapesim
