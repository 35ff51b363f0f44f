#include "reference/pg/pgoutput.h"

#include <cstdio>

#include "reference/common/assert.h"

namespace shapesim::pg {

namespace {

// Reads big-endian integers and NUL-terminated strings, failing on truncation.
// Invariant: pos_ <= bytes_.size() (every bounds check below subtracts pos_ from the size).
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  Status error(const std::string& what) const {
    return invalid_argument("pgoutput: " + what + " at byte " + std::to_string(pos_));
  }
  bool at_end() const { return pos_ == bytes_.size(); }

  template <typename T>
  Result<T> integer(const char* what) {
    SHAPESIM_ASSERT(pos_ <= bytes_.size());
    if (bytes_.size() - pos_ < sizeof(T)) return error(std::string("truncated ") + what);
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v = (v << 8) | static_cast<unsigned char>(bytes_[pos_ + i]);
    pos_ += sizeof(T);
    return static_cast<T>(v);
  }

  Result<char> byte(const char* what) {
    if (pos_ >= bytes_.size()) return error(std::string("truncated ") + what);
    return bytes_[pos_++];
  }

  Result<std::string> cstring(const char* what) {
    size_t end = bytes_.find('\0', pos_);
    if (end == std::string_view::npos) return error(std::string("unterminated ") + what);
    std::string s(bytes_.substr(pos_, end - pos_));
    pos_ = end + 1;
    SHAPESIM_ASSERT(pos_ <= bytes_.size());
    return s;
  }

  Result<std::string> counted(uint32_t n, const char* what) {
    SHAPESIM_ASSERT(pos_ <= bytes_.size());
    if (bytes_.size() - pos_ < n) return error(std::string("truncated ") + what);
    std::string s(bytes_.substr(pos_, n));
    pos_ += n;
    SHAPESIM_ASSERT(pos_ <= bytes_.size());
    return s;
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

Result<PgTuple> read_tuple(Reader& r) {
  SHAPESIM_ASSIGN_OR_RETURN(uint16_t n, r.integer<uint16_t>("column count"));
  PgTuple tuple;
  tuple.reserve(n);
  for (uint16_t i = 0; i < n; ++i) {
    SHAPESIM_ASSIGN_OR_RETURN(char kind, r.byte("column kind"));
    PgDatum d;
    switch (kind) {
      case 'n': d.kind = PgDatum::Kind::kNull; break;
      case 'u': d.kind = PgDatum::Kind::kUnchangedToast; break;
      case 't': {
        d.kind = PgDatum::Kind::kText;
        SHAPESIM_ASSIGN_OR_RETURN(uint32_t len, r.integer<uint32_t>("value length"));
        SHAPESIM_ASSIGN_OR_RETURN(d.text, r.counted(len, "value"));
        break;
      }
      case 'b': return r.error("binary tuple values are not requested and not supported");
      default: return r.error(std::string("unknown column kind '") + kind + "'");
    }
    tuple.push_back(std::move(d));
  }
  return tuple;
}

Status expect_end(const Reader& r, const char* message) {
  if (!r.at_end()) return r.error(std::string("trailing bytes after ") + message);
  return Status::Ok();
}

}  // namespace

Result<PgMessage> decode_pgoutput(std::string_view bytes) {
  Reader r(bytes);
  SHAPESIM_ASSIGN_OR_RETURN(char tag, r.byte("message type"));
  switch (tag) {
    case 'B': {
      PgBegin m;
      SHAPESIM_ASSIGN_OR_RETURN(m.final_lsn, r.integer<uint64_t>("final LSN"));
      SHAPESIM_ASSIGN_OR_RETURN(m.commit_time, r.integer<int64_t>("commit time"));
      SHAPESIM_ASSIGN_OR_RETURN(m.xid, r.integer<uint32_t>("xid"));
      SHAPESIM_RETURN_IF_ERROR(expect_end(r, "Begin"));
      return PgMessage{m};
    }
    case 'C': {
      PgCommit m;
      SHAPESIM_ASSIGN_OR_RETURN(m.flags, r.integer<uint8_t>("flags"));
      SHAPESIM_ASSIGN_OR_RETURN(m.commit_lsn, r.integer<uint64_t>("commit LSN"));
      SHAPESIM_ASSIGN_OR_RETURN(m.end_lsn, r.integer<uint64_t>("end LSN"));
      SHAPESIM_ASSIGN_OR_RETURN(m.commit_time, r.integer<int64_t>("commit time"));
      SHAPESIM_RETURN_IF_ERROR(expect_end(r, "Commit"));
      return PgMessage{m};
    }
    case 'R': {
      PgRelation m;
      SHAPESIM_ASSIGN_OR_RETURN(m.id, r.integer<uint32_t>("relation id"));
      SHAPESIM_ASSIGN_OR_RETURN(m.schema, r.cstring("namespace"));
      SHAPESIM_ASSIGN_OR_RETURN(m.name, r.cstring("relation name"));
      SHAPESIM_ASSIGN_OR_RETURN(m.replica_identity, r.byte("replica identity"));
      SHAPESIM_ASSIGN_OR_RETURN(uint16_t n, r.integer<uint16_t>("column count"));
      for (uint16_t i = 0; i < n; ++i) {
        PgColumn c;
        SHAPESIM_ASSIGN_OR_RETURN(uint8_t flags, r.integer<uint8_t>("column flags"));
        c.key = (flags & 1) != 0;
        SHAPESIM_ASSIGN_OR_RETURN(c.name, r.cstring("column name"));
        SHAPESIM_ASSIGN_OR_RETURN(c.type_oid, r.integer<uint32_t>("column type"));
        SHAPESIM_ASSIGN_OR_RETURN(c.type_modifier, r.integer<int32_t>("type modifier"));
        m.columns.push_back(std::move(c));
      }
      SHAPESIM_RETURN_IF_ERROR(expect_end(r, "Relation"));
      return PgMessage{m};
    }
    case 'I': {
      PgInsert m;
      SHAPESIM_ASSIGN_OR_RETURN(m.relation, r.integer<uint32_t>("relation id"));
      SHAPESIM_ASSIGN_OR_RETURN(char n, r.byte("tuple marker"));
      if (n != 'N') return r.error("Insert without a new tuple");
      SHAPESIM_ASSIGN_OR_RETURN(m.new_tuple, read_tuple(r));
      SHAPESIM_RETURN_IF_ERROR(expect_end(r, "Insert"));
      return PgMessage{m};
    }
    case 'U': {
      PgUpdate m;
      SHAPESIM_ASSIGN_OR_RETURN(m.relation, r.integer<uint32_t>("relation id"));
      SHAPESIM_ASSIGN_OR_RETURN(char marker, r.byte("tuple marker"));
      if (marker == 'K' || marker == 'O') {
        m.old_is_key_only = marker == 'K';
        SHAPESIM_ASSIGN_OR_RETURN(m.old_tuple, read_tuple(r));
        SHAPESIM_ASSIGN_OR_RETURN(marker, r.byte("tuple marker"));
      }
      if (marker != 'N') return r.error("Update without a new tuple");
      SHAPESIM_ASSIGN_OR_RETURN(m.new_tuple, read_tuple(r));
      SHAPESIM_RETURN_IF_ERROR(expect_end(r, "Update"));
      return PgMessage{m};
    }
    case 'D': {
      PgDelete m;
      SHAPESIM_ASSIGN_OR_RETURN(m.relation, r.integer<uint32_t>("relation id"));
      SHAPESIM_ASSIGN_OR_RETURN(char marker, r.byte("tuple marker"));
      if (marker != 'K' && marker != 'O') return r.error("Delete without an old tuple");
      m.old_is_key_only = marker == 'K';
      SHAPESIM_ASSIGN_OR_RETURN(m.old_tuple, read_tuple(r));
      SHAPESIM_RETURN_IF_ERROR(expect_end(r, "Delete"));
      return PgMessage{m};
    }
    case 'T': {
      PgTruncate m;
      SHAPESIM_ASSIGN_OR_RETURN(uint32_t n, r.integer<uint32_t>("relation count"));
      SHAPESIM_ASSIGN_OR_RETURN(m.options, r.integer<uint8_t>("options"));
      for (uint32_t i = 0; i < n; ++i) {
        SHAPESIM_ASSIGN_OR_RETURN(uint32_t id, r.integer<uint32_t>("relation id"));
        m.relations.push_back(id);
      }
      SHAPESIM_RETURN_IF_ERROR(expect_end(r, "Truncate"));
      return PgMessage{m};
    }
    case 'O': {
      PgOrigin m;
      SHAPESIM_ASSIGN_OR_RETURN(m.lsn, r.integer<uint64_t>("origin LSN"));
      SHAPESIM_ASSIGN_OR_RETURN(m.name, r.cstring("origin name"));
      SHAPESIM_RETURN_IF_ERROR(expect_end(r, "Origin"));
      return PgMessage{m};
    }
    case 'Y': {
      PgType m;
      SHAPESIM_ASSIGN_OR_RETURN(m.oid, r.integer<uint32_t>("type oid"));
      SHAPESIM_ASSIGN_OR_RETURN(m.schema, r.cstring("type namespace"));
      SHAPESIM_ASSIGN_OR_RETURN(m.name, r.cstring("type name"));
      SHAPESIM_RETURN_IF_ERROR(expect_end(r, "Type"));
      return PgMessage{m};
    }
    case 'M': {
      PgLogicalMessage m;
      SHAPESIM_ASSIGN_OR_RETURN(uint8_t flags, r.integer<uint8_t>("flags"));
      m.transactional = (flags & 1) != 0;
      SHAPESIM_ASSIGN_OR_RETURN(m.lsn, r.integer<uint64_t>("message LSN"));
      SHAPESIM_ASSIGN_OR_RETURN(m.prefix, r.cstring("prefix"));
      SHAPESIM_ASSIGN_OR_RETURN(uint32_t len, r.integer<uint32_t>("content length"));
      SHAPESIM_ASSIGN_OR_RETURN(m.content, r.counted(len, "content"));
      SHAPESIM_RETURN_IF_ERROR(expect_end(r, "Message"));
      return PgMessage{m};
    }
    default: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned char>(tag));
      return invalid_argument(std::string("pgoutput: unknown message type ") + buf);
    }
  }
}

std::string format_lsn(uint64_t lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn & 0xffffffffu));
  return buf;
}

Result<uint64_t> parse_lsn(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) {
    return invalid_argument("invalid LSN \"" + std::string(text) + "\"");
  }
  auto hex = [](std::string_view part, uint64_t& out) {
    if (part.size() > 8) return false;
    out = 0;
    for (char c : part) {
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return false;
      out = out * 16 + static_cast<uint64_t>(d);
    }
    return true;
  };
  uint64_t hi = 0, lo = 0;
  if (!hex(text.substr(0, slash), hi) || !hex(text.substr(slash + 1), lo)) {
    return invalid_argument("invalid LSN \"" + std::string(text) + "\"");
  }
  return (hi << 32) | lo;
}

}  // namespace shapesim::pg
