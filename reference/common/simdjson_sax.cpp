#include "reference/common/simdjson_sax.h"

#include <string>

#include "reference/common/bounded_json.h"

namespace shapesim::simdjson_sax_detail {

// A parser set to refuse nesting beyond kMaxJsonDepth, and a padded copy of the text.
struct Parsed::Buffers {
  Buffers() {
    const auto allocated = parser.allocate(simdjson::dom::MINIMAL_DOCUMENT_CAPACITY, kMaxJsonDepth);
    SHAPESIM_ASSERT(allocated == simdjson::SUCCESS);
  }
  simdjson::dom::parser parser;
  std::string padded;
};

namespace {
constexpr size_t kReusedTextLimit = size_t{1} << 20;
}  // namespace

bool may_hold_negative_zero(std::string_view text) {
  // "-0" after ':', '[' or ',' (and optional whitespace), not followed by a digit, '.', 'e' or 'E'.
  for (size_t i = text.find("-0"); i != std::string_view::npos; i = text.find("-0", i + 1)) {
    const size_t after = i + 2;
    if (after < text.size()) {
      const char next = text[after];
      if ((next >= '0' && next <= '9') || next == '.' || next == 'e' || next == 'E') continue;
    }
    size_t before = i;
    while (before > 0 && (text[before - 1] == ' ' || text[before - 1] == '\t' || text[before - 1] == '\n' || text[before - 1] == '\r')) {
      --before;
    }
    if (before == 0 || text[before - 1] == ':' || text[before - 1] == '[' || text[before - 1] == ',') return true;
  }
  return false;
}

Parsed::Parsed(std::string_view text) {
  thread_local Buffers reused;
  Buffers* buffers = &reused;
  if (text.size() > kReusedTextLimit) {
    own_ = std::make_unique<Buffers>();
    buffers = own_.get();
  }
  buffers->padded.assign(text);
  buffers->padded.append(simdjson::SIMDJSON_PADDING, ' ');
  ok_ = buffers->parser.parse(buffers->padded.data(), text.size(), /*realloc_if_needed=*/false).get(root_) == simdjson::SUCCESS;
}

Parsed::~Parsed() = default;

}  // namespace shapesim::simdjson_sax_detail
