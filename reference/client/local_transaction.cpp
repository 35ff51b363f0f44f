#include "reference/client/local_transaction.h"

#include <map>

namespace shapesim {

const char* tx_status_name(TxStatus s) {
  switch (s) {
    case TxStatus::kPersisting: return "persisting";
    case TxStatus::kCompleted: return "completed";
    case TxStatus::kFailed: return "failed";
  }
  return "?";
}

Result<std::vector<LocalMutation>> merge_mutations(const std::vector<LocalMutation>& in) {
  using Op = LocalMutation::Op;
  std::vector<std::optional<LocalMutation>> merged;
  std::map<std::pair<std::string, std::string>, size_t> index;  // (collection, key) -> position
  for (const auto& m : in) {
    auto at = index.find({m.collection, m.key});
    if (at == index.end() || !merged[at->second]) {
      index[{m.collection, m.key}] = merged.size();
      merged.emplace_back(m);
      continue;
    }
    LocalMutation& prior = *merged[at->second];
    std::string where = m.collection + "/" + m.key;
    if (prior.op == Op::kInsert && m.op == Op::kUpdate) {
      for (const auto& [c, v] : m.value) prior.value[c] = v;
    } else if (prior.op == Op::kInsert && m.op == Op::kDelete) {
      merged[at->second].reset();
      index.erase(at);
    } else if (prior.op == Op::kUpdate && m.op == Op::kUpdate) {
      for (const auto& [c, v] : m.value) prior.value[c] = v;
    } else if (prior.op == Op::kUpdate && m.op == Op::kDelete) {
      prior = m;
    } else if (prior.op == Op::kDelete && m.op == Op::kInsert) {
      prior.op = Op::kUpdate;
      prior.value = m.value;
    } else {
      return invalid_argument("cannot merge these mutations of " + where + " in one transaction");
    }
  }
  std::vector<LocalMutation> out;
  for (auto& m : merged) {
    if (m) out.push_back(std::move(*m));
  }
  return out;
}

}  // namespace shapesim
