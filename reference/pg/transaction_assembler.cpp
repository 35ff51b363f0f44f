#include "reference/pg/transaction_assembler.h"

#include "reference/common/assert.h"
#include "reference/pg/pg_types.h"

namespace shapesim::pg {

const PgRelation* TransactionAssembler::relation(uint32_t id) const {
  auto it = relations_.find(id);
  return it == relations_.end() ? nullptr : &it->second;
}

Result<Row> TransactionAssembler::to_row(const PgRelation& rel, const PgTuple& tuple,
                                         const PgTuple* fill_unchanged_from) const {
  if (tuple.size() != rel.columns.size()) {
    return invalid_argument("pgoutput: tuple of " + std::to_string(tuple.size()) + " columns for relation \"" +
                            rel.schema + "." + rel.name + "\" with " + std::to_string(rel.columns.size()));
  }
  // The old tuple an update fills unchanged values from was converted (so checked) first.
  SHAPESIM_ASSERT(!fill_unchanged_from || fill_unchanged_from->size() == tuple.size());
  Row row;
  for (size_t i = 0; i < tuple.size(); ++i) {
    const PgColumn& col = rel.columns[i];
    const PgDatum* d = &tuple[i];
    if (d->kind == PgDatum::Kind::kUnchangedToast) {
      if (!fill_unchanged_from || (*fill_unchanged_from)[i].kind == PgDatum::Kind::kUnchangedToast) {
        return invalid_argument("pgoutput: unchanged TOAST value of \"" + col.name + "\" in \"" + rel.schema + "." +
                                rel.name + "\" without an old value (is REPLICA IDENTITY FULL set?)");
      }
      d = &(*fill_unchanged_from)[i];
    }
    if (d->kind == PgDatum::Kind::kNull) {
      row[col.name] = Value();
      continue;
    }
    auto type = column_for_type_oid(col.type_oid);
    ColumnType t = type && type->dims == 0 ? type->type : ColumnType::kText;
    auto v = Value::from_pg_text(t, d->text);
    if (!v.ok()) {
      return invalid_argument("pgoutput: column \"" + col.name + "\" of \"" + rel.schema + "." + rel.name +
                              "\": " + v.status().message());
    }
    row[col.name] = std::move(*v);
  }
  return row;
}

Result<AssemblerEvent> TransactionAssembler::feed(const PgMessage& message) {
  AssemblerEvent ev;
  auto need_tx = [&](const char* what) -> Status {
    if (!current_) return invalid_argument(std::string("pgoutput: ") + what + " outside a transaction");
    return Status::Ok();
  };
  auto need_relation = [&](uint32_t id) -> Result<const PgRelation*> {
    const PgRelation* r = relation(id);
    if (!r) return invalid_argument("pgoutput: change for unknown relation id " + std::to_string(id));
    return r;
  };
  if (const auto* b = std::get_if<PgBegin>(&message)) {
    if (current_) return invalid_argument("pgoutput: Begin inside a transaction");
    current_ = CommittedTransaction{Xid{b->xid}, Lsn{b->final_lsn}, {}};
    begin_final_lsn_ = b->final_lsn;
  } else if (const auto* c = std::get_if<PgCommit>(&message)) {
    SHAPESIM_RETURN_IF_ERROR(need_tx("Commit"));
    if (c->commit_lsn != begin_final_lsn_) {
      return invalid_argument("pgoutput: Commit LSN " + format_lsn(c->commit_lsn) + " does not match Begin's " +
                              format_lsn(begin_final_lsn_));
    }
    current_->commit_lsn = Lsn{c->commit_lsn};
    ev.transaction = std::move(*current_);
    ev.end_lsn = c->end_lsn;
    current_.reset();
  } else if (const auto* r = std::get_if<PgRelation>(&message)) {
    relations_[r->id] = *r;
  } else if (const auto* ins = std::get_if<PgInsert>(&message)) {
    SHAPESIM_RETURN_IF_ERROR(need_tx("Insert"));
    SHAPESIM_ASSIGN_OR_RETURN(const PgRelation* rel, need_relation(ins->relation));
    SHAPESIM_ASSIGN_OR_RETURN(Row row, to_row(*rel, ins->new_tuple, nullptr));
    current_->changes.push_back({rel->schema, rel->name, ChangeKind::kInsert, std::nullopt, std::move(row)});
  } else if (const auto* up = std::get_if<PgUpdate>(&message)) {
    SHAPESIM_RETURN_IF_ERROR(need_tx("Update"));
    SHAPESIM_ASSIGN_OR_RETURN(const PgRelation* rel, need_relation(up->relation));
    if (!up->old_tuple || up->old_is_key_only) {
      return invalid_argument("pgoutput: update of \"" + rel->schema + "." + rel->name +
                              "\" without the whole old row (REPLICA IDENTITY FULL is required)");
    }
    SHAPESIM_ASSIGN_OR_RETURN(Row old_row, to_row(*rel, *up->old_tuple, nullptr));
    SHAPESIM_ASSIGN_OR_RETURN(Row new_row, to_row(*rel, up->new_tuple, &*up->old_tuple));
    current_->changes.push_back({rel->schema, rel->name, ChangeKind::kUpdate, std::move(old_row), std::move(new_row)});
  } else if (const auto* del = std::get_if<PgDelete>(&message)) {
    SHAPESIM_RETURN_IF_ERROR(need_tx("Delete"));
    SHAPESIM_ASSIGN_OR_RETURN(const PgRelation* rel, need_relation(del->relation));
    if (del->old_is_key_only) {
      return invalid_argument("pgoutput: delete from \"" + rel->schema + "." + rel->name +
                              "\" without the whole old row (REPLICA IDENTITY FULL is required)");
    }
    SHAPESIM_ASSIGN_OR_RETURN(Row old_row, to_row(*rel, del->old_tuple, nullptr));
    current_->changes.push_back({rel->schema, rel->name, ChangeKind::kDelete, std::move(old_row), std::nullopt});
  } else if (const auto* tr = std::get_if<PgTruncate>(&message)) {
    SHAPESIM_RETURN_IF_ERROR(need_tx("Truncate"));
    for (uint32_t id : tr->relations) {
      SHAPESIM_ASSIGN_OR_RETURN(const PgRelation* rel, need_relation(id));
      current_->changes.push_back({rel->schema, rel->name, ChangeKind::kTruncate, std::nullopt, std::nullopt});
    }
  }
  // Origin, Type and logical Message carry nothing a shape needs.
  return ev;
}

}  // namespace shapesim::pg
