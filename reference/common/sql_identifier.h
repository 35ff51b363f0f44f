// SQL identifier and string literal quoting, PostgreSQL style.
//   quote_identifier("we\"ird") == "\"we\"\"ird\""   (always quoted, quotes doubled)
//   format_identifier("tasks") == "tasks";  format_identifier("Tasks") == "\"Tasks\""
#pragma once

#include <string>

namespace shapesim {

std::string quote_identifier(const std::string& id);
// A standard string literal: quote_literal("it's") == "'it''s'" (backslashes are literal).
std::string quote_literal(const std::string& text);
// Quotes only when PostgreSQL would need it (anything but a plain lower-case name).
std::string format_identifier(const std::string& id);

}  // namespace shapesim
