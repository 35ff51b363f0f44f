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

TEST(Http, SerializesResponsesWithLengthAndNoSplitHeaders) {
  HttpResponse r;
  r.status = 200;
  r.headers["content-type"] = "application/json";
  r.headers["x-evil"] = "a\r\nset-cookie: b";
  r.body = "[1]";
  EXPECT_EQ(serialize_response(r, true),
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-evil: a  set-cookie: b\r\nserver: shapesim\r\n"
            "content-length: 3\r\n\r\n[1]");
  HttpResponse head = r;
  head.head = true;
  head.body.clear();
  head.headers["content-length"] = "3";
  std::string h = serialize_response(head, false);
  EXPECT_NE(h.find("content-length: 3\r\n"), std::string::npos);
  EXPECT_NE(h.find("connection: close\r\n"), std::string::npos);
  EXPECT_EQ(h.substr(h.size() - 4), "\r\n\r\n");  // no body
  HttpResponse not_modified;
  not_modified.status = 304;
  EXPECT_EQ(serialize_response(not_modified, true), "HTTP/1.1 304 Not Modified\r\nserver: shapesim\r\n\r\n");
}

}  // namespace
}  // namespace shapesim
