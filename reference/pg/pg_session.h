// Session settings for every PostgreSQL connection the server opens (ordinary and
// replication), so values come out exactly in the text format protocol.md describes:
// ISO dates, UTC timestamps, shortest round-trip floats, hex bytea.
#pragma once

#include <string>

namespace shapesim::pg {

// libpq "options" value: -c name=value pairs.
inline const char* session_options() {
  return "-c DateStyle=ISO,MDY -c TimeZone=UTC -c IntervalStyle=postgres -c extra_float_digits=1 "
         "-c bytea_output=hex -c client_encoding=UTF8";
}

// The connection string with the session options (and, for the stream, replication=database).
inline std::string connection_string(const std::string& url, bool replication) {
  std::string sep = url.find('?') == std::string::npos ? "?" : "&";
  bool uri = url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
  std::string options = "options=";
  if (uri) {
    // URI form: percent-encode the spaces and '=' inside the value.
    std::string encoded;
    for (char c : std::string(session_options())) {
      if (c == ' ') {
        encoded += "%20";
      } else if (c == '=') {
        encoded += "%3D";
      } else if (c == ',') {
        encoded += "%2C";
      } else {
        encoded.push_back(c);
      }
    }
    return url + sep + options + encoded + (replication ? "&replication=database" : "");
  }
  return url + " options='" + session_options() + "'" + (replication ? " replication=database" : "");
}

}  // namespace shapesim::pg
