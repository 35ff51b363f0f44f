// The reference decoder of shape log messages: a JSON DOM (nlohmann::json) walked field by
// field, the obvious way. decode_messages() (shape_message_decoder.cpp) streams instead and
// must agree with it on every input, result and error alike: the wire tests and the
// fuzz_shape_messages target compare the two.
#pragma once

#include <string_view>
#include <vector>

#include "reference/wire/shape_message.h"

namespace shapesim {

Result<std::vector<ShapeMessage>> decode_messages_reference(std::string_view body);

}  // namespace shapesim
