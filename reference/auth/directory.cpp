#include "reference/auth/directory.h"

#include <cstdio>

#include "reference/common/hash.h"

namespace shapesim::auth {

void Directory::add_membership(const std::string& user, const std::string& org, Role role) {
  auto [it, added] = roles_[user].emplace(org, role);
  if (!added && it->second < role) it->second = role;
}

void Directory::remove_membership(const std::string& user, const std::string& org) {
  auto u = roles_.find(user);
  if (u == roles_.end()) return;
  u->second.erase(org);
  if (u->second.empty()) roles_.erase(u);
}

std::optional<Role> Directory::role(const std::string& user, const std::string& org) const {
  auto u = roles_.find(user);
  if (u == roles_.end()) return std::nullopt;
  auto o = u->second.find(org);
  if (o == u->second.end()) return std::nullopt;
  return o->second;
}

std::map<std::string, Role> Directory::memberships(const std::string& user) const {
  auto u = roles_.find(user);
  return u == roles_.end() ? std::map<std::string, Role>{} : u->second;
}

std::string Directory::data_version(const std::string& user, uint64_t epoch, uint64_t user_epoch) const {
  // Length-prefixed fields: no two different inputs share an encoding.
  std::string text = std::to_string(user.size()) + ":" + user + "|" + std::to_string(epoch);
  if (user_epoch > 0) text += "|e" + std::to_string(user_epoch);
  for (const auto& [org, role] : memberships(user)) {
    text += "|" + std::to_string(org.size()) + ":" + org + "=" + role_name(role);
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a64(text)));
  return buf;
}

std::set<std::string> Directory::users() const {
  std::set<std::string> all = users_;
  for (const auto& [user, _] : roles_) all.insert(user);
  return all;
}

std::string id_text(const Value& v) {
  return v.to_pg_text().value_or("");
}

}  // namespace shapesim::auth
