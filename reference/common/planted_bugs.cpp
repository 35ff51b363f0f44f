#include "reference/common/planted_bugs.h"

namespace shapesim {

namespace detail {
PlantedBug g_planted_bug = PlantedBug::kNone;
}

const char* planted_bug_name(PlantedBug b) {
  switch (b) {
    case PlantedBug::kNone: return "none";
    case PlantedBug::kOffsetNotAdvancedAfterChunk: return "offset-not-advanced-after-chunk";
    case PlantedBug::kLongPollAnsweredTwice: return "long-poll-answered-twice";
    case PlantedBug::kDropLastChangeOfTransaction: return "drop-last-change-of-transaction";
    case PlantedBug::kRetryWithoutIdempotencyKey: return "retry-without-idempotency-key";
    case PlantedBug::kStaleRowsKeptOnRefetch: return "stale-rows-kept-on-refetch";
    case PlantedBug::kOutboxPersistedLate: return "outbox-persisted-late";
    case PlantedBug::kPurgeKeepsLocalFile: return "purge-keeps-local-file";
    case PlantedBug::kTokenRefreshRefetches: return "token-refresh-refetches";
    case PlantedBug::kOutboxReplaysForNewUser: return "outbox-replays-for-new-user";
    case PlantedBug::kRevocationLeavesPollsOpen: return "revocation-leaves-polls-open";
    case PlantedBug::kLongPollWaitsForTimeout: return "long-poll-waits-for-timeout";
    case PlantedBug::kReplayAnswersNoLsn: return "replay-answers-no-lsn";
    case PlantedBug::kGatekeeperWhereAsText: return "gatekeeper-where-as-text";
    case PlantedBug::kRevocationAfterFanout: return "revocation-after-fanout";
    case PlantedBug::kCount: break;
  }
  return "?";
}

std::optional<PlantedBug> planted_bug_from_name(std::string_view name) {
  for (int i = 0; i < static_cast<int>(PlantedBug::kCount); ++i) {
    auto b = static_cast<PlantedBug>(i);
    if (name == planted_bug_name(b)) return b;
  }
  return std::nullopt;
}

}  // namespace shapesim
