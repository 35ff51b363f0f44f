#include "reference/wire/http.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shapesim {
namespace {

TEST(Http, SplitsAndDecodesTarget) {
  auto r = HttpRequest::from_target("GET", "/v1/shape?table=tasks&offset=-1&where=title%20%3D%20%27a+b%27&x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->path, "/v1/shape");
  EXPECT_EQ(r->query.at("table"), "tasks");
  EXPECT_EQ(r->query.at("offset"), "-1");
  EXPECT_EQ(r->query.at("where"), "title = 'a b'");
  EXPECT_EQ(r->query.at("x"), "");
}

TEST(Http, RejectsBrokenEscapes) {
  EXPECT_FALSE(HttpRequest::from_target("GET", "/v1/shape?table=%2").ok());
  EXPECT_FALSE(HttpRequest::from_target("GET", "/v1/shape?table=%zz").ok());
  EXPECT_FALSE(HttpRequest::from_target("GET", "/v1/%").ok());
}

RC_GTEST_PROP(Http, QueryRoundTrips, (std::map<std::string, std::string> params)) {
  QueryParams q;
  for (auto& [k, v] : params) {
    if (!k.empty()) q[k] = v;
  }
  HttpRequest req;
  req.path = "/p";
  req.query = q;
  auto back = HttpRequest::from_target("GET", req.target());
  RC_ASSERT(back.ok());
  RC_ASSERT(back->query == q);
}

}  // namespace
}  // namespace shapesim
