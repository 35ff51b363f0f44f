// libFuzzer target: the pgoutput decoder and the transaction assembler. Input layout: a
// sequence of messages, each a 2-byte big-endian length then that many bytes (one XLogData
// payload). Messages are decoded and fed in order until the first error, which must be a
// clean Status (the replication driver then stops the stream), never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reference/pg/pgoutput.h"
#include "reference/pg/transaction_assembler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shapesim::pg;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  TransactionAssembler assembler;
  size_t pos = 0;
  while (pos + 2 <= input.size()) {
    size_t len = (static_cast<unsigned char>(input[pos]) << 8) | static_cast<unsigned char>(input[pos + 1]);
    pos += 2;
    if (len > input.size() - pos) len = input.size() - pos;
    auto message = decode_pgoutput(input.substr(pos, len));
    pos += len;
    if (!message.ok()) {
      if (message.status().message().empty()) __builtin_trap();
      return 0;
    }
    auto event = assembler.feed(*message);
    if (!event.ok()) return 0;
    if (event->transaction) {
      for (const auto& c : event->transaction->changes) {
        bool shape_ok = (c.kind == shapesim::ChangeKind::kInsert && c.new_row && !c.old_row) ||
                        (c.kind == shapesim::ChangeKind::kUpdate && c.new_row && c.old_row) ||
                        (c.kind == shapesim::ChangeKind::kDelete && c.old_row && !c.new_row) ||
                        (c.kind == shapesim::ChangeKind::kTruncate && !c.old_row && !c.new_row);
        if (!shape_ok) __builtin_trap();
      }
    }
  }
  return 0;
}
