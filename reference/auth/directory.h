// Who belongs where: users and their role in each organization, read from the identity
// tables of the source of truth (Policy::identity), and each user's data version.
//
// data_version(user) is a hash of (user, every (organization, role) they hold, policy epoch,
// the user's own epoch): the gate bumps the user's epoch at every change of their rights and
// at logout, so it only ever moves forward (rights given back do not bring back an old
// version), and it is bound into every shape token, so a token minted before a change is
// refused after it.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "reference/auth/policy.h"
#include "reference/common/row.h"

namespace shapesim::auth {

class Directory {
 public:
  void clear() {
    users_.clear();
    roles_.clear();
  }
  void add_user(const std::string& id) { users_.insert(id); }
  // A membership row; a user listed twice in one organization keeps the highest role.
  void add_membership(const std::string& user, const std::string& org, Role role);
  // Forgets the user's role in `org` (a membership row deleted or moved).
  void remove_membership(const std::string& user, const std::string& org);

  bool has_user(const std::string& id) const { return users_.count(id) > 0; }
  std::optional<Role> role(const std::string& user, const std::string& org) const;
  // Organizations where the user holds a role (ordered).
  std::map<std::string, Role> memberships(const std::string& user) const;
  std::string data_version(const std::string& user, uint64_t epoch, uint64_t user_epoch = 0) const;
  // Every user with a membership or a user row (ordered).
  std::set<std::string> users() const;

 private:
  std::set<std::string> users_;
  std::map<std::string, std::map<std::string, Role>> roles_;  // user -> org -> role
};

// The text form of an identity value (ids may be text or integers): "" for null.
std::string id_text(const Value& v);

}  // namespace shapesim::auth
