// The identity side of a live deployment, as `shapesim conform` drives it: dev login for a
// user token, membership changes written as SQL into the deployment's identity table, and a
// wait until the server has seen such a change (it learns of it through replication, a
// moment after the commit). Real I/O on the wall clock: driver code, not a core.
#pragma once

#include <optional>
#include <string>

#include "reference/auth/policy.h"
#include "reference/common/status.h"
#include "reference/common/time.h"
#include "reference/net/http_client.h"

namespace shapesim::tools {

// A user token from POST /api/auth/login with the policy's dev secret; nullopt when refused.
std::optional<std::string> live_login(const net::HttpEndpoint& endpoint, const auth::Policy& policy, const std::string& user);

// Gives `user` `role` in `org` (insert or update), or removes the membership when `role` is
// nullopt, in the identity table of the database at `pg_url`.
Status write_membership(const std::string& pg_url, const auth::Policy& policy, const std::string& user,
                        const std::string& org, const std::optional<std::string>& role, bool insert);

// Polls GET /api/auth/data-version as `user` until it shows `user` in `org` with `role` (absent
// when nullopt) or `limit` passes; returns whether it did.
bool server_sees_membership(const net::HttpEndpoint& endpoint, const auth::Policy& policy, const std::string& user,
                            const std::string& org, const std::optional<std::string>& role, Duration limit);

}  // namespace shapesim::tools
