#include "reference/pg/testing/synced_shapes.h"

#include <libpq-fe.h>

namespace shapesim::pg::testing {

SyncedShape& SyncedShapes::add(const std::string& table, const std::string& where) {
  ShapeDefinition def{.table = table, .where = where};
  shapes_.push_back(std::make_unique<SyncedShape>(
      SyncedShape{where, ShapeStream({.shape = def}, Random(shapes_.size() + 1)), {}, std::nullopt}));
  return *shapes_.back();
}

void SyncedShapes::settle(Timestamp now) {
  for (bool sent = true; sent;) {
    sent = false;
    for (auto& s : shapes_) {
      if (s->in_flight) continue;
      auto request = s->stream.poll(now);
      if (!request) continue;
      RequestId id;
      ServerOutput out = rig_.handle(*request, id, now);
      s->in_flight = id;
      deliver(out, now);
      sent = true;
    }
  }
}

void SyncedShapes::deliver(const ServerOutput& out, Timestamp now) {
  for_each_response(out, [&](RequestId id, const HttpResponse& response) {
    for (auto& s : shapes_) {
      if (s->in_flight != id) continue;
      s->in_flight.reset();
      s->rows.apply(s->stream.on_response(response, now));
    }
  });
}

void SyncedShapes::lose_requests_in_flight(Timestamp now) {
  for (auto& s : shapes_) {
    if (!s->in_flight) continue;
    s->in_flight.reset();
    s->stream.on_network_error(now);
  }
}

std::map<std::string, WireRow> select_rows(ReplicationRig& rig, const std::string& query) {
  std::map<std::string, WireRow> rows;
  PGresult* r = PQexec(rig.sql_connection(), query.c_str());
  if (PQresultStatus(r) == PGRES_TUPLES_OK) {
    for (int i = 0; i < PQntuples(r); ++i) {
      WireRow row;
      for (int c = 0; c < PQnfields(r); ++c) {
        row[PQfname(r, c)] = PQgetisnull(r, i, c) ? std::nullopt : std::optional<std::string>(PQgetvalue(r, i, c));
      }
      rows[PQgetvalue(r, i, 0)] = std::move(row);
    }
  }
  PQclear(r);
  return rows;
}

std::map<std::string, WireRow> rows_by(const Collection& c, const std::string& column) {
  std::map<std::string, WireRow> rows;
  for (const auto& [key, row] : c.rows()) {
    auto it = row.find(column);
    rows[it == row.end() ? "" : it->second.value_or("")] = row;
  }
  return rows;
}

std::set<std::string> keys_of(const std::map<std::string, WireRow>& rows) {
  std::set<std::string> out;
  for (const auto& [key, row] : rows) out.insert(key);
  return out;
}

std::string describe_difference(const std::set<std::string>& pg, const std::set<std::string>& ours) {
  std::string detail;
  for (const auto& k : pg) {
    if (!ours.count(k)) detail += " pg-only:" + k;
  }
  for (const auto& k : ours) {
    if (!pg.count(k)) detail += " shape-only:" + k;
  }
  return detail;
}

}  // namespace shapesim::pg::testing
