// Coverage probes: named "sometimes" points. Code that reaches an interesting, rare
// situation calls sometimes(Probe::k...); a batch of simulated runs then reports the probes
// it never reached, so a fault model that stopped exercising a path is noticed.
//
//   sometimes(Probe::kLongPollReleasedByData);
//   probe_hits(Probe::kLongPollReleasedByData);   // how many times since reset_probes()
//
// Counting is a plain array increment (single-threaded cores); it never changes behaviour.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace shapesim {

enum class Probe : uint8_t {
  // server
  kLongPollReleasedByData,
  kLongPollTimedOut,
  kDuplicateBatchAnswered,
  kShapesRestoredAtStartup,
  kSnapshotInManyChunks,
  kLogChunkClosedInsideTransaction,
  // client
  kRefetchMidStream,
  kStreamBackoffAfterError,
  kWriteRetryAfterLostResponse,
  kStaleResponseIgnored,
  kClientRestartedWithOutbox,
  kClientResumedFromLocalFile,
  kOptimisticWriteShown,
  kQueuedWritesShownAfterRestart,
  kClientCrashBeforePersist,
  kClientCrashAfterPersist,
  kClientCrashWriteInFlight,
  kClientCrashAfterServerCommit,
  kClientCrashAfterRemoval,
  // client engine under auth
  kTokenRefreshedWhileParked,
  kRollbackCascade,
  kPurgeWithQueuedWrites,
  kConfirmedByLsn,
  kStaleAnswerIgnored,
  kAccessBackAfterDenial,
  kRetryOfAppliedWriteForwarded,
  kRevokedWhileOffline,
  // simulator
  kDuplicateDelivered,
  kLongTailDelivery,
  kMessageHeldByClog,
  kOneWayPartitionDrop,
  kUnsyncedWriteLostInCrash,
  kCrashDuringCommit,
  kServerRestarted,
  kSkewedClientClock,
  kCount,
};

inline constexpr size_t kProbeCount = static_cast<size_t>(Probe::kCount);
const char* probe_name(Probe p);

namespace detail {
extern std::array<uint64_t, kProbeCount> g_probe_hits;
}

inline void sometimes(Probe p) { ++detail::g_probe_hits[static_cast<size_t>(p)]; }
inline uint64_t probe_hits(Probe p) { return detail::g_probe_hits[static_cast<size_t>(p)]; }
inline const std::array<uint64_t, kProbeCount>& all_probe_hits() { return detail::g_probe_hits; }
void reset_probes();

}  // namespace shapesim
