// libFuzzer target: shape log message decoding (the client reading a server's answer).
// Properties: nothing crashes; the streaming decoder (decode_messages) and the reference
// DOM decoder agree on every input — the same messages, or the same error; whatever decodes
// re-encodes and decodes to the same messages.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "reference/wire/shape_message.h"
#include "reference/wire/shape_message_reference_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shapesim;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto streamed = decode_messages(body);
  auto reference = decode_messages_reference(body);
  if (streamed.ok() != reference.ok()) __builtin_trap();
  if (!streamed.ok()) {
    if (streamed.status().message() != reference.status().message()) __builtin_trap();
    return 0;
  }
  if (*streamed != *reference) __builtin_trap();
  std::string again = "[";
  for (size_t i = 0; i < streamed->size(); ++i) again += (i ? "," : "") + encode_message((*streamed)[i]);
  again += "]";
  auto round = decode_messages(again);
  if (!round.ok() || *round != *streamed) __builtin_trap();
  return 0;
}
