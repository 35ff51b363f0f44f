// Issue 28, 2: a write batch is checked mutation by mutation against the state the batch has
// produced so far. A batch is never allowed what its mutations one batch at a time would not
// be: every two- and three-mutation sequence over the example's tables, for every user, and a
// property over longer ones.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "reference/auth/auth_gate_fixture.h"

namespace shapesim::auth::testing {
namespace {

using nlohmann::json;

// The example deployment, fresh: writes go through the gate as `user`.
class Deployment {
 public:
  Deployment() {
    auto store = EmbeddedStore::open(":memory:");
    SHAPESIM_ASSERT(store.ok());
    size_t created = 0;
    SHAPESIM_ASSERT(load_schema_file(source_path("docs/examples/auth/schema.json"), **store, created).ok());
    server_ = std::make_unique<ShapeServer>(ServerConfig{}, std::move(*store));
    auto gate = AuthGate::create(policy(), *server_);
    SHAPESIM_ASSERT(gate.ok());
    gate_ = std::move(*gate);
  }

  // The status of POST /api/mutations.
  int write(const std::string& user, const json& mutations) {
    auto req = HttpRequest::from_target("POST", "/api/mutations");
    req->headers["authorization"] = "Bearer " + gate_->user_token(user, now_);
    req->body = json({{"id", "b" + std::to_string(next_++)}, {"mutations", mutations}}).dump();
    auto out = gate_->handle(RequestId{next_}, *req, now_);
    out.expand_shared();
    SHAPESIM_ASSERT(out.responses.size() == 1);
    return out.responses.front().second.status;
  }

  // Every row of the tables a batch can touch, as text.
  std::string state() {
    std::string out;
    for (const char* name : {"tasks", "memberships", "notes"}) {
      auto snapshot = server_->source().snapshot(*server_->source().find_table("public", name));
      std::set<std::string> rows;
      for (const auto& row : snapshot->rows) {
        std::string r;
        for (const auto& [k, v] : row) r += k + "=" + v.to_pg_text().value_or("NULL") + ";";
        rows.insert(r);
      }
      out += std::string(name) + ":";
      for (const auto& r : rows) out += r + "\n";
    }
    return out;
  }

 private:
  static Policy policy() {
    static const Policy p = [] {
      auto loaded = load_policy_file(source_path("docs/examples/auth/policy.json"));
      SHAPESIM_ASSERT(loaded.ok());
      return *loaded;
    }();
    return p;
  }

  std::unique_ptr<ShapeServer> server_;
  std::unique_ptr<AuthGate> gate_;
  Timestamp now_{Duration::seconds(1'800'000'000)};
  uint64_t next_ = 1;
};

const char* kUsers[] = {"alice", "bob", "carol"};  // owner of acme; member of acme; viewer of acme + owner of globex

// Inserts, updates (moves, key changes) and deletes of tasks, the caller's memberships and notes.
std::vector<json> vocabulary(const std::string& user) {
  const std::string other = user == "bob" ? "alice" : "bob";
  return {
      {{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 900}, {"organization_id", "acme"}, {"title", "t"}}}},
      {{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 900}, {"organization_id", "globex"}, {"title", "t"}}}},
      {{"op", "update"}, {"table", "tasks"}, {"key", {{"id", 900}}}, {"value", {{"organization_id", "globex"}}}},
      {{"op", "update"}, {"table", "tasks"}, {"key", {{"id", 900}}}, {"value", {{"organization_id", "acme"}}}},
      {{"op", "update"}, {"table", "tasks"}, {"key", {{"id", 900}}}, {"value", {{"id", 901}}}},
      {{"op", "delete"}, {"table", "tasks"}, {"key", {{"id", 900}}}},
      {{"op", "update"}, {"table", "tasks"}, {"key", {{"id", 901}}}, {"value", {{"organization_id", "globex"}}}},
      {{"op", "update"}, {"table", "tasks"}, {"key", {{"id", 1}}}, {"value", {{"organization_id", "globex"}}}},
      {{"op", "insert"}, {"table", "memberships"}, {"value", {{"user_id", user}, {"organization_id", "globex"}, {"role", "owner"}}}},
      {{"op", "insert"}, {"table", "memberships"}, {"value", {{"user_id", user}, {"organization_id", "acme"}, {"role", "owner"}}}},
      {{"op", "update"}, {"table", "memberships"}, {"key", {{"user_id", user}, {"organization_id", "acme"}}},
       {"value", {{"organization_id", "globex"}}}},
      {{"op", "update"}, {"table", "memberships"}, {"key", {{"user_id", user}, {"organization_id", "acme"}}},
       {"value", {{"role", "owner"}}}},
      {{"op", "delete"}, {"table", "memberships"}, {"key", {{"user_id", user}, {"organization_id", "acme"}}}},
      {{"op", "insert"}, {"table", "notes"}, {"value", {{"id", 900}, {"owner_id", user}, {"body", "n"}}}},
      {{"op", "update"}, {"table", "notes"}, {"key", {{"id", 900}}}, {"value", {{"owner_id", other}}}},
  };
}

// "" when the rule holds for this sequence; otherwise what broke it. `fresh` is a deployment
// nobody has written to (replaced when a batch changed it).
std::string batch_matches_one_by_one(std::unique_ptr<Deployment>& fresh, const std::string& user, const json& mutations) {
  int together = fresh->write(user, mutations);
  if (together != 200) return "";  // refused or failed: nothing applied (the store is all or nothing)
  std::string batch_state = fresh->state();
  fresh = std::make_unique<Deployment>();
  Deployment apart;
  for (size_t i = 0; i < mutations.size(); ++i) {
    int alone = apart.write(user, json::array({mutations[i]}));
    if (alone != 200) {
      return user + ": the batch was allowed, but mutation " + std::to_string(i) + " alone is " + std::to_string(alone) +
             ": " + mutations.dump();
    }
  }
  if (apart.state() != batch_state) return user + ": the batch and its mutations one by one end differently: " + mutations.dump();
  return "";
}

TEST(BatchAuthorization, EveryTwoAndThreeMutationSequenceIsNoMoreAllowedThanItsMutationsOneByOne) {
  size_t sequences = 0, allowed = 0;
  for (const char* user : kUsers) {
    const auto v = vocabulary(user);
    auto fresh = std::make_unique<Deployment>();
    const std::string pristine = fresh->state();
    for (size_t a = 0; a < v.size(); ++a) {
      for (size_t b = 0; b < v.size(); ++b) {
        for (size_t c = 0; c <= v.size(); ++c) {  // c == size: the two-mutation sequence
          json mutations = json::array({v[a], v[b]});
          if (c < v.size()) mutations.push_back(v[c]);
          ++sequences;
          std::string broken = batch_matches_one_by_one(fresh, user, mutations);
          ASSERT_EQ(broken, "");
          if (fresh->state() != pristine) fresh = std::make_unique<Deployment>();
        }
      }
    }
  }
  EXPECT_EQ(sequences, 3u * 15 * 15 * 16);
  (void)allowed;
}

TEST(BatchAuthorization, TheAttacksFromTheReportAreRefused) {
  Deployment d;
  // bob plants a task in acme and moves it to globex in the same batch.
  EXPECT_EQ(d.write("bob", json::array({vocabulary("bob")[0], vocabulary("bob")[2]})), 403);
  // bob gives a note of his to alice in the batch that creates it.
  EXPECT_EQ(d.write("bob", json::array({vocabulary("bob")[13], vocabulary("bob")[14]})), 403);
  // alice re-creates bob's acme membership, then turns the new row into her own owner
  // membership of globex.
  json alice_in_globex = json::array(
      {{{"op", "delete"}, {"table", "memberships"}, {"key", {{"user_id", "bob"}, {"organization_id", "acme"}}}},
       {{"op", "insert"}, {"table", "memberships"}, {"value", {{"user_id", "bob"}, {"organization_id", "acme"}, {"role", "viewer"}}}},
       {{"op", "update"}, {"table", "memberships"}, {"key", {{"user_id", "bob"}, {"organization_id", "acme"}}},
        {"value", {{"user_id", "alice"}, {"organization_id", "globex"}, {"role", "owner"}}}}});
  EXPECT_EQ(d.write("alice", alice_in_globex), 403);
  // A membership given up earlier in the batch no longer counts.
  EXPECT_EQ(d.write("bob", json::array({vocabulary("bob")[12], vocabulary("bob")[0]})), 403);
  // What is allowed one by one is allowed together.
  EXPECT_EQ(d.write("bob", json::array({vocabulary("bob")[0], vocabulary("bob")[4]})), 200);
}

RC_GTEST_PROP(BatchAuthorization, ABatchIsNeverAllowedWhatItsMutationsOneByOneAreNot, ()) {
  const std::string user = *rc::gen::elementOf(std::vector<std::string>{"alice", "bob", "carol"});
  const auto v = vocabulary(user);
  const auto picks = *rc::gen::container<std::vector<size_t>>(*rc::gen::inRange<size_t>(1, 6), rc::gen::inRange<size_t>(0, v.size()));
  json mutations = json::array();
  for (size_t i : picks) mutations.push_back(v[i]);
  auto fresh = std::make_unique<Deployment>();
  RC_ASSERT(batch_matches_one_by_one(fresh, user, mutations) == "");
}

}  // namespace
}  // namespace shapesim::auth::testing
