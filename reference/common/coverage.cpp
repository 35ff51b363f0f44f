#include "reference/common/coverage.h"

namespace shapesim {

namespace detail {
std::array<uint64_t, kProbeCount> g_probe_hits{};
}

const char* probe_name(Probe p) {
  switch (p) {
    case Probe::kLongPollReleasedByData: return "server.long_poll_released_by_data";
    case Probe::kLongPollTimedOut: return "server.long_poll_timed_out";
    case Probe::kDuplicateBatchAnswered: return "server.duplicate_batch_answered";
    case Probe::kShapesRestoredAtStartup: return "server.shapes_restored_at_startup";
    case Probe::kSnapshotInManyChunks: return "server.snapshot_in_many_chunks";
    case Probe::kLogChunkClosedInsideTransaction: return "server.log_chunk_closed_inside_transaction";
    case Probe::kRefetchMidStream: return "client.409_handled_mid_stream";
    case Probe::kStreamBackoffAfterError: return "client.stream_backoff_after_error";
    case Probe::kWriteRetryAfterLostResponse: return "client.write_retry_after_lost_response";
    case Probe::kStaleResponseIgnored: return "client.stale_response_ignored";
    case Probe::kClientRestartedWithOutbox: return "client.restarted_with_pending_writes";
    case Probe::kClientResumedFromLocalFile: return "client.resumed_from_local_file";
    case Probe::kOptimisticWriteShown: return "client.optimistic_write_shown";
    case Probe::kQueuedWritesShownAfterRestart: return "client.queued_writes_shown_after_restart";
    case Probe::kClientCrashBeforePersist: return "client.crash_before_persist";
    case Probe::kClientCrashAfterPersist: return "client.crash_after_persist";
    case Probe::kClientCrashWriteInFlight: return "client.crash_write_in_flight";
    case Probe::kClientCrashAfterServerCommit: return "client.crash_after_server_commit";
    case Probe::kClientCrashAfterRemoval: return "client.crash_after_removal_from_outbox";
    case Probe::kTokenRefreshedWhileParked: return "client.token_refreshed_while_writes_parked";
    case Probe::kRollbackCascade: return "client.rollback_cascade";
    case Probe::kPurgeWithQueuedWrites: return "client.purge_with_queued_writes";
    case Probe::kConfirmedByLsn: return "client.confirmed_by_lsn";
    case Probe::kStaleAnswerIgnored: return "client.stale_answer_ignored";
    case Probe::kAccessBackAfterDenial: return "client.access_back_after_denial";
    case Probe::kRetryOfAppliedWriteForwarded: return "auth.retry_of_applied_write_forwarded";
    case Probe::kRevokedWhileOffline: return "sim.revoked_while_offline";
    case Probe::kDuplicateDelivered: return "sim.duplicate_delivered";
    case Probe::kLongTailDelivery: return "sim.long_tail_delivery";
    case Probe::kMessageHeldByClog: return "sim.message_held_by_clog";
    case Probe::kOneWayPartitionDrop: return "sim.one_way_partition_drop";
    case Probe::kUnsyncedWriteLostInCrash: return "sim.unsynced_write_lost_in_crash";
    case Probe::kCrashDuringCommit: return "sim.crash_during_commit";
    case Probe::kServerRestarted: return "sim.server_restarted";
    case Probe::kSkewedClientClock: return "sim.skewed_client_clock";
    case Probe::kCount: break;
  }
  return "?";
}

void reset_probes() { detail::g_probe_hits.fill(0); }

}  // namespace shapesim
