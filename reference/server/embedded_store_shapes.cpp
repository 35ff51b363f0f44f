// EmbeddedStore's shape catalog: each shape's definition, snapshot position, table schema and
// snapshot chunks (`_shapesim_shapes`, `_shapesim_shape_chunks`), saved once and reloaded at
// restart.
#include "reference/server/embedded_store.h"

#include "reference/common/log_offset.h"
#include "reference/server/sqlite_statement.h"

namespace shapesim {

Status EmbeddedStore::save_shape(const StoredShape& shape) {
  SHAPESIM_RETURN_IF_ERROR(exec("SAVEPOINT save_shape"));
  auto rollback = [&](Status s) {
    (void)exec("ROLLBACK TO save_shape; RELEASE save_shape");
    return s;
  };
  Status st = forget_shape(shape.handle);
  if (!st.ok()) return rollback(st);
  {
    SqliteStatement ins(db_, cache_,
                        "INSERT INTO _shapesim_shapes (handle, definition, snapshot_lsn, xmin, xmax, xip, table_schema) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    std::string xip;
    for (uint64_t x : shape.xip_list) xip += (xip.empty() ? "" : ",") + std::to_string(x);
    ins.bind(1, Value(shape.handle));
    ins.bind(2, Value(shape.definition));
    ins.bind(3, Value(static_cast<int64_t>(shape.snapshot_lsn.value)));
    ins.bind(4, Value(static_cast<int64_t>(shape.xmin)));
    ins.bind(5, Value(static_cast<int64_t>(shape.xmax)));
    ins.bind(6, Value(xip));
    ins.bind(7, Value(shape.table_schema));
    st = ins.run();
    if (!st.ok()) return rollback(st);
  }
  // Chunks as written: the body text and the message ends as little-endian uint32s.
  std::string ends;
  for (size_t i = 0; i < shape.chunks.size(); ++i) {
    const SnapshotChunk& c = shape.chunks[i];
    ends.resize(c.ends.size() * 4);
    for (size_t k = 0; k < c.ends.size(); ++k) {
      for (int b = 0; b < 4; ++b) ends[k * 4 + b] = static_cast<char>((c.ends[k] >> (8 * b)) & 0xff);
    }
    SqliteStatement chunk(db_, cache_, "INSERT INTO _shapesim_shape_chunks (handle, idx, body, ends) VALUES (?, ?, ?, ?)");
    chunk.bind(1, Value(shape.handle));
    chunk.bind(2, Value(static_cast<int64_t>(i)));
    chunk.bind_text_view(3, c.body);
    chunk.bind_blob_view(4, ends.data(), ends.size());
    st = chunk.run();
    if (!st.ok()) return rollback(st);
  }
  return exec("RELEASE save_shape");
}

Status EmbeddedStore::forget_shape(const std::string& handle) {
  for (const char* sql : {"DELETE FROM _shapesim_shapes WHERE handle = ?", "DELETE FROM _shapesim_shape_chunks WHERE handle = ?"}) {
    SqliteStatement st(db_, cache_, sql);
    st.bind(1, Value(handle));
    SHAPESIM_RETURN_IF_ERROR(st.run());
  }
  return Status::Ok();
}

Result<std::vector<EmbeddedStore::StoredShape>> EmbeddedStore::load_shapes() {
  std::vector<StoredShape> out;
  {
    SqliteStatement st(db_, cache_,
                       "SELECT handle, definition, snapshot_lsn, xmin, xmax, xip, table_schema FROM _shapesim_shapes ORDER BY handle");
    while (st.step_row()) {
      StoredShape shape{st.column_text(0), st.column_text(1), Lsn{static_cast<uint64_t>(st.column_int(2))}, {},
                        static_cast<uint64_t>(st.column_int(3)), static_cast<uint64_t>(st.column_int(4)), {}};
      std::string xip = st.column_text(5);
      shape.table_schema = st.column_text(6);
      for (size_t pos = 0; pos < xip.size();) {
        size_t comma = std::min(xip.find(',', pos), xip.size());
        uint64_t x = 0;
        if (!parse_uint64(std::string_view(xip).substr(pos, comma - pos), x)) {
          return internal_error("corrupt stored shape " + shape.handle + ": xip list");
        }
        shape.xip_list.push_back(x);
        pos = comma + 1;
      }
      out.push_back(std::move(shape));
    }
    SHAPESIM_RETURN_IF_ERROR(st.status());
  }
  for (auto& shape : out) {
    SqliteStatement st(db_, cache_, "SELECT idx, body, ends FROM _shapesim_shape_chunks WHERE handle = ? ORDER BY idx");
    st.bind(1, Value(shape.handle));
    while (st.step_row()) {
      SnapshotChunk c;
      c.body = st.column_text(1);
      std::string ends = st.column_blob(2);
      if (st.column_int(0) != static_cast<int64_t>(shape.chunks.size()) || ends.size() % 4 != 0) {
        return internal_error("corrupt stored shape " + shape.handle + ": chunk " + std::to_string(shape.chunks.size()));
      }
      for (size_t k = 0; k < ends.size(); k += 4) {
        uint32_t v = 0;
        for (int b = 0; b < 4; ++b) v |= static_cast<uint32_t>(static_cast<unsigned char>(ends[k + b])) << (8 * b);
        c.ends.push_back(v);
      }
      if (!c.consistent()) return internal_error("corrupt stored shape " + shape.handle + ": chunk boundaries");
      shape.chunks.push_back(std::move(c));
    }
    SHAPESIM_RETURN_IF_ERROR(st.status());
    if (shape.chunks.empty()) return internal_error("corrupt stored shape " + shape.handle + ": no snapshot");
  }
  return out;
}

}  // namespace shapesim
