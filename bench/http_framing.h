// Minimal HTTP/1.1 response framing for load clients: content-length bodies only (what the
// shape API answers to long-polls and writes), header names lower-cased. Not a general
// parser: a chunked or length-less answer is reported as status -1.
#pragma once

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shapesim::bench {

struct HttpAnswer {
  int status = 0;
  std::string head;  // status line and header lines, as received
  std::string body;

  // A header's value (name matched case-insensitively), or "".
  std::string header(std::string_view lower_name) const {
    for (size_t at = head.find("\r\n"); at != std::string::npos; at = head.find("\r\n", at + 2)) {
      size_t start = at + 2;
      if (head.size() < start + lower_name.size() + 1 || head[start + lower_name.size()] != ':') continue;
      bool same = true;
      for (size_t i = 0; i < lower_name.size() && same; ++i) {
        same = std::tolower(static_cast<unsigned char>(head[start + i])) == lower_name[i];
      }
      if (!same) continue;
      size_t value = start + lower_name.size() + 1;
      while (value < head.size() && head[value] == ' ') ++value;
      size_t end = head.find("\r\n", value);
      return head.substr(value, end == std::string::npos ? std::string::npos : end - value);
    }
    return {};
  }
};

class ResponseFramer {
 public:
  void feed(std::string_view bytes) { buffer_.append(bytes); }

  // The next complete answer, if the buffer holds one.
  std::optional<HttpAnswer> next() {
    size_t end = buffer_.find("\r\n\r\n");
    if (end == std::string::npos) return std::nullopt;
    HttpAnswer answer;
    answer.head = buffer_.substr(0, end);
    answer.status = answer.head.size() >= 12 ? std::atoi(answer.head.c_str() + 9) : -1;
    std::string length_text = answer.header("content-length");
    if (length_text.empty()) {  // not framed by length: not something this framer reads
      answer.status = -1;
      buffer_.clear();
      return answer;
    }
    size_t length = std::strtoul(length_text.c_str(), nullptr, 10);
    if (buffer_.size() < end + 4 + length) return std::nullopt;
    answer.body = buffer_.substr(end + 4, length);
    buffer_.erase(0, end + 4 + length);
    return answer;
  }

 private:
  std::string buffer_;
};

// The integer keys of the rows a shape answer for table `items` carries (each change's
// `"key":"\"public\".\"items\"/\"N\""`).
inline std::vector<int64_t> row_ids(std::string_view body) {
  static constexpr std::string_view kMarker = R"("key":"\"public\".\"items\"/\")";
  std::vector<int64_t> ids;
  for (size_t at = body.find(kMarker); at != std::string_view::npos; at = body.find(kMarker, at + 1)) {
    ids.push_back(std::strtoll(std::string(body.substr(at + kMarker.size(), 20)).c_str(), nullptr, 10));
  }
  return ids;
}

}  // namespace shapesim::bench
