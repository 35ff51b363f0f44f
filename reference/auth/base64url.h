// Base64url without padding (RFC 4648 §5, as JWS uses it). Encoding only, no crypto.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shapesim::auth {

std::string base64url_encode(std::string_view bytes);
// Strict: only the URL-safe alphabet, no padding, no whitespace, and the unused low bits of
// the last character zero (so every byte string has exactly one encoding). nullopt otherwise.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace shapesim::auth
