// Planted bugs: realistic defects behind test-only switches, so the simulator's test suite
// can prove it finds (and shrinks) each one. Off unless a test or `shapesim run --plant`
// turns one on; a switch only ever makes the code wrong, never changes correct behaviour.
//
//   if (planted(PlantedBug::kDropLastChangeOfTransaction)) changes.pop_back();
//   ScopedPlantedBug bug(PlantedBug::kLongPollAnsweredTwice);   // in a test
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shapesim {

enum class PlantedBug : uint8_t {
  kNone,
  kOffsetNotAdvancedAfterChunk,   // client: keep requesting from the old offset after a chunk
  kLongPollAnsweredTwice,         // server: a released long-poll is answered again later
  kDropLastChangeOfTransaction,   // server: the last change of a multi-change transaction is not routed
  kRetryWithoutIdempotencyKey,    // client: a retried write gets a fresh batch id
  kStaleRowsKeptOnRefetch,        // client: rows are not dropped on a 409
  kOutboxPersistedLate,           // client: a write is persisted when first sent, not when committed
  kPurgeKeepsLocalFile,           // client: a permission-change purge clears memory but not the local file
  kTokenRefreshRefetches,         // client: after a 401 the stream starts over from -1 without dropping its rows
  kOutboxReplaysForNewUser,       // client: another user's queued writes are sent with the new user's token
  kRevocationLeavesPollsOpen,     // server: a membership change does not release the user's parked requests
  kLongPollWaitsForTimeout,       // server: new data does not release parked long-polls (they wait for their deadline)
  kReplayAnswersNoLsn,            // server: a retried write is answered without its first commit's LSN
  kGatekeeperWhereAsText,         // auth: the gatekeeper pastes the narrowing and its scope together as text
  kRevocationAfterFanout,         // server: a revoking transaction reaches shapes before the gate releases the user's requests
  kCount,
};

const char* planted_bug_name(PlantedBug b);
std::optional<PlantedBug> planted_bug_from_name(std::string_view name);

namespace detail {
extern PlantedBug g_planted_bug;
}

inline bool planted(PlantedBug b) { return detail::g_planted_bug == b; }
inline void plant_bug(PlantedBug b) { detail::g_planted_bug = b; }
inline PlantedBug current_planted_bug() { return detail::g_planted_bug; }

class ScopedPlantedBug {
 public:
  explicit ScopedPlantedBug(PlantedBug b) : previous_(detail::g_planted_bug) { plant_bug(b); }
  ~ScopedPlantedBug() { plant_bug(previous_); }
  ScopedPlantedBug(const ScopedPlantedBug&) = delete;
  ScopedPlantedBug& operator=(const ScopedPlantedBug&) = delete;

 private:
  PlantedBug previous_;
};

}  // namespace shapesim
