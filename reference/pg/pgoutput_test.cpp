#include "reference/pg/pgoutput.h"

#include <gtest/gtest.h>

#include "reference/pg/transaction_assembler.h"
#include "reference/pg/pg_types.h"

namespace shapesim::pg {
namespace {

// Builds pgoutput messages byte by byte (big-endian, NUL-terminated strings).
struct Bytes {
  std::string b;
  Bytes& c(char v) { b.push_back(v); return *this; }
  Bytes& u16(uint16_t v) { return n(v, 2); }
  Bytes& u32(uint32_t v) { return n(v, 4); }
  Bytes& u64(uint64_t v) { return n(v, 8); }
  Bytes& s(const std::string& v) { b += v; b.push_back('\0'); return *this; }
  Bytes& text(const std::string& v) { c('t'); u32(static_cast<uint32_t>(v.size())); b += v; return *this; }
  Bytes& n(uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return *this;
  }
};

std::string begin(uint64_t lsn, uint32_t xid) { return Bytes().c('B').u64(lsn).u64(0).u32(xid).b; }
std::string commit(uint64_t lsn, uint64_t end) { return Bytes().c('C').c(0).u64(lsn).u64(end).u64(0).b; }
std::string relation(uint32_t id, uint32_t title_type = 25) {
  return Bytes().c('R').u32(id).s("public").s("tasks").c('f').u16(3)
      .c(1).s("id").u32(20).u32(0xffffffff)
      .c(0).s("title").u32(title_type).u32(0xffffffff)
      .c(0).s("done").u32(16).u32(0xffffffff).b;
}
std::string insert(uint32_t rel, const std::string& id, const std::string& title) {
  return Bytes().c('I').u32(rel).c('N').u16(3).text(id).text(title).c('n').b;
}

PgMessage decode(const std::string& bytes) {
  auto m = decode_pgoutput(bytes);
  EXPECT_TRUE(m.ok()) << m.status().message();
  return *m;
}

TEST(Pgoutput, DecodesEveryMessageKind) {
  auto b = std::get<PgBegin>(decode(begin(0x16B374D848, 731)));
  EXPECT_EQ(b.final_lsn, 0x16B374D848u);
  EXPECT_EQ(b.xid, 731u);
  auto r = std::get<PgRelation>(decode(relation(16384)));
  EXPECT_EQ(r.schema, "public");
  ASSERT_EQ(r.columns.size(), 3u);
  EXPECT_TRUE(r.columns[0].key);
  EXPECT_EQ(r.columns[1].type_oid, 25u);
  EXPECT_EQ(r.columns[2].type_modifier, -1);
  auto i = std::get<PgInsert>(decode(insert(16384, "1", "a")));
  EXPECT_EQ(i.new_tuple[1].text, "a");
  EXPECT_EQ(i.new_tuple[2].kind, PgDatum::Kind::kNull);
  auto u = std::get<PgUpdate>(decode(Bytes().c('U').u32(1).c('O').u16(1).text("x").c('N').u16(1).c('u').b));
  EXPECT_FALSE(u.old_is_key_only);
  EXPECT_EQ(u.new_tuple[0].kind, PgDatum::Kind::kUnchangedToast);
  auto d = std::get<PgDelete>(decode(Bytes().c('D').u32(1).c('K').u16(1).text("7").b));
  EXPECT_TRUE(d.old_is_key_only);
  auto t = std::get<PgTruncate>(decode(Bytes().c('T').u32(2).c(1).u32(5).u32(6).b));
  EXPECT_EQ(t.relations, (std::vector<uint32_t>{5, 6}));
  auto c = std::get<PgCommit>(decode(commit(10, 20)));
  EXPECT_EQ(c.end_lsn, 20u);
  EXPECT_EQ(std::get<PgOrigin>(decode(Bytes().c('O').u64(3).s("origin").b)).name, "origin");
  EXPECT_EQ(std::get<PgType>(decode(Bytes().c('Y').u32(9).s("public").s("mood").b)).name, "mood");
  EXPECT_EQ(std::get<PgLogicalMessage>(decode(Bytes().c('M').c(1).u64(1).s("p").u32(2).b + "hi")).content, "hi");
}

TEST(Pgoutput, MalformedMessagesAreErrorsThatSayWhere) {
  EXPECT_EQ(decode_pgoutput("").status().message(), "pgoutput: truncated message type at byte 0");
  EXPECT_EQ(decode_pgoutput("B\x01").status().message(), "pgoutput: truncated final LSN at byte 1");
  EXPECT_EQ(decode_pgoutput("Z").status().message(), "pgoutput: unknown message type 0x5a");
  EXPECT_NE(decode_pgoutput(relation(1).substr(0, 12)).status().message().find("unterminated"), std::string::npos);
  EXPECT_NE(decode_pgoutput(insert(1, "1", "a") + "x").status().message().find("trailing bytes after Insert"),
            std::string::npos);
  EXPECT_NE(decode_pgoutput(Bytes().c('I').u32(1).c('N').u16(1).text("abc").b.substr(0, 12)).status().message().find("truncated value"),
            std::string::npos);
  EXPECT_NE(decode_pgoutput(Bytes().c('I').u32(1).c('N').u16(1).c('q').b).status().message().find("unknown column kind"),
            std::string::npos);
}

TEST(Pgoutput, LsnTextRoundTrips) {
  EXPECT_EQ(format_lsn(0x16B374D848), "16/B374D848");
  EXPECT_EQ(*parse_lsn("16/B374D848"), 0x16B374D848u);
  EXPECT_EQ(*parse_lsn("0/0"), 0u);
  EXPECT_FALSE(parse_lsn("16B374D848").ok());
  EXPECT_FALSE(parse_lsn("1/G").ok());
}

TEST(TransactionAssembler, BuildsTransactionsWithTypedRows) {
  TransactionAssembler a;
  ASSERT_TRUE(a.feed(decode(relation(7))).ok());
  ASSERT_TRUE(a.feed(decode(begin(500, 42))).ok());
  ASSERT_TRUE(a.feed(decode(insert(7, "1", "a"))).ok());
  auto up = Bytes().c('U').u32(7).c('O').u16(3).text("1").text("a").c('n').c('N').u16(3).text("1").c('u').text("t").b;
  ASSERT_TRUE(a.feed(decode(up)).ok());
  auto ev = a.feed(decode(commit(500, 540)));
  ASSERT_TRUE(ev.ok());
  ASSERT_TRUE(ev->transaction.has_value());
  const auto& tx = *ev->transaction;
  EXPECT_EQ(tx.xid, Xid{42});
  EXPECT_EQ(tx.commit_lsn, Lsn{500});
  EXPECT_EQ(ev->end_lsn, 540u);
  ASSERT_EQ(tx.changes.size(), 2u);
  EXPECT_EQ(tx.changes[0].new_row->at("id"), Value(int64_t{1}));
  EXPECT_TRUE(tx.changes[0].new_row->at("done").is_null());
  EXPECT_EQ(tx.changes[1].new_row->at("title"), Value("a"));  // unchanged TOAST from the old row
  EXPECT_EQ(tx.changes[1].new_row->at("done"), Value(true));
}

TEST(TransactionAssembler, RejectsOutOfOrderAndUnknownInput) {
  TransactionAssembler a;
  EXPECT_NE(a.feed(decode(insert(7, "1", "a"))).status().message().find("outside a transaction"), std::string::npos);
  ASSERT_TRUE(a.feed(decode(begin(500, 42))).ok());
  EXPECT_NE(a.feed(decode(insert(7, "1", "a"))).status().message().find("unknown relation id 7"), std::string::npos);
  EXPECT_NE(a.feed(decode(begin(600, 43))).status().message().find("Begin inside a transaction"), std::string::npos);
  EXPECT_NE(a.feed(decode(commit(501, 540))).status().message().find("does not match"), std::string::npos);
  TransactionAssembler b;
  ASSERT_TRUE(b.feed(decode(relation(7))).ok());
  ASSERT_TRUE(b.feed(decode(begin(500, 42))).ok());
  EXPECT_NE(b.feed(decode(Bytes().c('D').u32(7).c('K').u16(3).text("1").c('n').c('n').b)).status().message().find(
                "REPLICA IDENTITY FULL"),
            std::string::npos);
  EXPECT_NE(b.feed(decode(Bytes().c('I').u32(7).c('N').u16(3).text("x").c('n').c('n').b)).status().message().find(
                "column \"id\""),
            std::string::npos);
  EXPECT_NE(b.feed(decode(Bytes().c('I').u32(7).c('N').u16(1).c('n').b)).status().message().find("tuple of 1 columns"),
            std::string::npos);
}

TEST(RelationMatchesTable, AnyChangeOfNameTypeDimsOrOrderIsASchemaChange) {
  const auto announced = std::get<PgRelation>(decode(relation(7)));
  TableSchema table{"public", "tasks",
                    {{"id", ColumnType::kInt8, true}, {"title", ColumnType::kText}, {"done", ColumnType::kBool}}, {"id"}};
  EXPECT_TRUE(relation_matches_table(announced, table));
  EXPECT_FALSE(relation_matches_table(std::get<PgRelation>(decode(relation(7, /*varchar*/ 1043))), table));
  EXPECT_FALSE(relation_matches_table(std::get<PgRelation>(decode(relation(7, /*text[]*/ 1009))), table));
  auto renamed = table;
  renamed.columns[2].name = "finished";
  EXPECT_FALSE(relation_matches_table(announced, renamed));
  auto added = table;
  added.columns.push_back({"note", ColumnType::kText});
  EXPECT_FALSE(relation_matches_table(announced, added));
  auto reordered = table;
  std::swap(reordered.columns[1], reordered.columns[2]);
  EXPECT_FALSE(relation_matches_table(announced, reordered));
  // A type shapes do not know is read as text from the catalog, so it matches text.
  EXPECT_TRUE(relation_matches_table(std::get<PgRelation>(decode(relation(7, /*point*/ 600))), table));
}

}  // namespace
}  // namespace shapesim::pg
