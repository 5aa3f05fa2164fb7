package dev.peregrine.sidekick.spool;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** One change to the spool, queued for its writer thread ({@link SpoolWrites}); completed once committed. */
sealed interface SpoolWrite permits SpoolWrite.Append, SpoolWrite.Remove, SpoolWrite.Requeue {
    void fail(Exception e);

    /** An accepted alert, queued for each of {@code outputs}; {@code done} says whether it was new. */
    record Append(
            String uuid,
            byte[] payload,
            List<String> outputs,
            boolean remember,
            long acceptedAt,
            CompletableFuture<Boolean> done)
            implements SpoolWrite {
        @Override
        public void fail(Exception e) {
            done.completeExceptionally(e);
        }
    }

    /** A delivered entry removed, or with a {@code reason} moved to the dead letters. */
    record Remove(SpoolEntry entry, String reason, CompletableFuture<Boolean> done) implements SpoolWrite {
        Remove(SpoolEntry entry, String reason) {
            this(entry, reason, new CompletableFuture<>());
        }

        @Override
        public void fail(Exception e) {
            done.completeExceptionally(e);
        }
    }

    /** {@code moved}: count and payload bytes, set by the writer before it completes {@code done}. */
    record Requeue(String output, long[] moved, CompletableFuture<Long> done) implements SpoolWrite {
        @Override
        public void fail(Exception e) {
            done.completeExceptionally(e);
        }
    }
}
