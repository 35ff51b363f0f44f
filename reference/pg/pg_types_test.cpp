#include "reference/pg/pg_types.h"

#include <map>

#include <gtest/gtest.h>

namespace shapesim::pg {
namespace {

// A catalog with PostgreSQL's built-in OIDs and a few user-defined types.
class Catalog {
 public:
  Catalog() {
    types_[20] = {"int8", 'b', 0, 0, false};
    types_[1016] = {"_int8", 'b', 20, 0, true};
    types_[23] = {"int4", 'b', 0, 0, false};
    types_[1007] = {"_int4", 'b', 23, 0, true};
    types_[25] = {"text", 'b', 0, 0, false};
    types_[3802] = {"jsonb", 'b', 0, 0, false};
    types_[869] = {"inet", 'b', 0, 0, false};
    types_[600] = {"point", 'b', 701, 0, false};  // typelem, but fixed length: not an array
    types_[50000] = {"mood", 'e', 0, 0, false};
    types_[50001] = {"_mood", 'b', 50000, 0, true};
    types_[50002] = {"complex", 'c', 0, 0, false};
    types_[50003] = {"_complex", 'b', 50002, 0, true};
    types_[50004] = {"posint", 'd', 0, 23, false};
    types_[50005] = {"_posint", 'b', 50004, 0, true};
    types_[50006] = {"small_posint", 'd', 0, 50004, false};  // a domain over a domain
    types_[50007] = {"int_list", 'd', 0, 1007, false};       // a domain over an array
    types_[50008] = {"loop", 'd', 0, 50008, false};          // a broken catalog must not hang us
  }
  std::optional<PgTypeRow> operator()(uint32_t oid) const {
    auto it = types_.find(oid);
    if (it == types_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<uint32_t, PgTypeRow> types_;
};

CatalogColumn read(uint32_t oid, int attndims) { return column_from_catalog(oid, attndims, Catalog()); }

TEST(ColumnFromCatalog, BuiltInTypesKeepTheirOwnNames) {
  auto c = read(20, 0);
  EXPECT_EQ(c.column.type, ColumnType::kInt8);
  EXPECT_EQ(c.column.dims, 0);
  EXPECT_EQ(c.column.schema_type_name(), "int8");
  EXPECT_TRUE(c.column.pg_type.empty());
  EXPECT_EQ(c.column.type_oid, 20u);
  EXPECT_EQ(read(3802, 0).column.schema_type_name(), "jsonb");
}

TEST(ColumnFromCatalog, ArraysReportTheirElementTypeAndAttndims) {
  auto one = read(1016, 1);
  EXPECT_EQ(one.column.type, ColumnType::kInt8);
  EXPECT_EQ(one.column.dims, 1);
  EXPECT_EQ(one.column.schema_type_name(), "int8");
  auto two = read(1016, 2);  // int8[][]
  EXPECT_EQ(two.column.dims, 2);
  EXPECT_FALSE(two.dims_from_values);
}

TEST(ColumnFromCatalog, EnumsCompositesAndDomainsKeepTheirNames) {
  auto mood = read(50000, 0);
  EXPECT_EQ(mood.column.type, ColumnType::kText);
  EXPECT_EQ(mood.column.schema_type_name(), "mood");
  auto moods = read(50001, 1);
  EXPECT_EQ(moods.column.schema_type_name(), "mood");
  EXPECT_EQ(moods.column.dims, 1);
  EXPECT_EQ(read(50003, 2).column.schema_type_name(), "complex");
  EXPECT_EQ(read(50003, 2).column.dims, 2);
  // A domain is named as declared and read as its base type, through any depth of domains.
  auto posint = read(50004, 0);
  EXPECT_EQ(posint.column.schema_type_name(), "posint");
  EXPECT_EQ(posint.column.type, ColumnType::kInt4);
  auto posints = read(50005, 1);
  EXPECT_EQ(posints.column.schema_type_name(), "posint");
  EXPECT_EQ(posints.column.type, ColumnType::kInt4);
  EXPECT_EQ(posints.column.dims, 1);
  EXPECT_EQ(read(50006, 0).column.type, ColumnType::kInt4);
  EXPECT_EQ(read(50006, 0).column.schema_type_name(), "small_posint");
  // What WHERE may do: a domain compares as its base; an enum by equality only (it sorts by
  // declaration); a composite never (its text is not its value).
  using C = ColumnSchema::Comparison;
  EXPECT_EQ(posint.column.comparison, C::kByType);
  EXPECT_EQ(mood.column.comparison, C::kEqualityOnly);
  EXPECT_EQ(moods.column.comparison, C::kEqualityOnly);
  EXPECT_EQ(read(50002, 0).column.comparison, C::kNever);
  EXPECT_EQ(read(20, 0).column.comparison, C::kByType);
}

TEST(ColumnFromCatalog, UnknownTypesAreTextUnderTheirOwnName) {
  auto inet = read(869, 0);
  EXPECT_EQ(inet.column.type, ColumnType::kText);
  EXPECT_EQ(inet.column.schema_type_name(), "inet");
  EXPECT_EQ(inet.column.comparison, ColumnSchema::Comparison::kNever);
  auto point = read(600, 0);
  EXPECT_EQ(point.column.dims, 0);
  EXPECT_EQ(point.column.schema_type_name(), "point");
  EXPECT_EQ(read(99999, 0).column.schema_type_name(), "text");  // not in the catalog at all
  EXPECT_EQ(read(50008, 0).column.type, ColumnType::kText);      // a domain cycle ends
}

TEST(ColumnFromCatalog, ZeroAttndimsOnAnArrayAsksForTheValues) {
  auto list = read(50007, 0);  // a domain over int4[]: attndims is 0
  EXPECT_TRUE(list.dims_from_values);
  EXPECT_EQ(list.column.dims, 1);
  EXPECT_EQ(list.column.type, ColumnType::kInt4);
  EXPECT_EQ(list.column.schema_type_name(), "int_list");
  auto untyped = read(1016, 0);  // CREATE TABLE AS: an int8[] column with attndims 0
  EXPECT_TRUE(untyped.dims_from_values);
  EXPECT_EQ(untyped.column.schema_type_name(), "int8");
}

TEST(ColumnFromCatalog, RelationsAreJudgedByTypeOidWhenTheTableCameFromTheCatalog) {
  TableSchema table{"public", "t", {read(50001, 1).column, read(20, 0).column}, {}};
  table.columns[0].name = "moods";
  table.columns[1].name = "id";
  PgRelation same{1, "public", "t", 'f', {{false, "moods", 50001, -1}, {true, "id", 20, -1}}};
  EXPECT_TRUE(relation_matches_table(same, table));
  PgRelation retyped = same;
  retyped.columns[0].type_oid = 1009;  // text[]
  EXPECT_FALSE(relation_matches_table(retyped, table));
}

}  // namespace
}  // namespace shapesim::pg
