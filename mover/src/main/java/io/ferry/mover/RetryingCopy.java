package io.ferry.mover;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Copies keys with a {@link KeyCopier}, trying the keys that failed again after a doubling backoff, up to
 * the options' attempts; every key's last result goes to the sink exactly once. Keys that failed because a side
 * stopped answering (restarting, paused, failing over) do not use up their attempts: the {@link Outage} is waited
 * out and they are copied again on new connections, and a copier that cannot even connect is waited out the same way.
 */
final class RetryingCopy {
    private static final Logger log = LoggerFactory.getLogger(RetryingCopy.class);

    /** Receives each key's final result, with the attempts it took and when it first failed (or null). */
    interface Sink {
        void accept(KeyCopier.Result result, int attempts, Instant firstFailure) throws InterruptedException;
    }

    private RetryingCopy() {}

    /**
     * @param copier the copier to use, asked again after an outage (which drops the connections it had)
     * @throws io.ferry.endpoint.EndpointException when a side stays unreachable past the outage limit
     */
    static void copy(
            Supplier<KeyCopier> copier, List<byte[]> keys, CopyOptions options, String what, Outage outage, Sink sink)
            throws InterruptedException {
        Instant firstFailure = null;
        long backoff = options.retryBackoff().toMillis();
        List<byte[]> pending = keys;
        int attempt = 1;
        while (true) {
            List<KeyCopier.Result> results;
            try {
                results = copier.get().copy(pending);
            } catch (RuntimeException e) {
                if (!Outage.sign(e)) {
                    throw e;
                }
                outage.waitOut(what, e.getMessage());
                continue;
            }
            List<byte[]> caught = new ArrayList<>();
            List<KeyCopier.Result> failed = new ArrayList<>();
            for (KeyCopier.Result result : results) {
                boolean failure = result.outcome() == KeyOutcome.FAILED;
                if (failure && Outage.sign(result.error())) {
                    caught.add(result.key());
                } else if (failure && attempt < options.maxAttempts()) {
                    failed.add(result);
                } else {
                    sink.accept(result, attempt, failure && firstFailure == null ? Instant.now() : firstFailure);
                }
            }
            if (caught.isEmpty()) {
                outage.over();
                if (failed.isEmpty()) {
                    return;
                }
            }
            List<byte[]> again = new ArrayList<>(caught);
            if (!failed.isEmpty()) {
                if (firstFailure == null) {
                    firstFailure = Instant.now();
                }
                log.warn(
                        "{} keys of {} failed (attempt {} of {}), e.g. {}; retrying in {} ms",
                        failed.size(),
                        what,
                        attempt,
                        options.maxAttempts(),
                        failed.get(0).error(),
                        backoff);
                attempt++;
                failed.forEach(result -> again.add(result.key()));
            }
            pending = again;
            if (caught.isEmpty()) {
                TimeUnit.MILLISECONDS.sleep(backoff);
                backoff *= 2;
            } else {
                outage.waitOut(
                        what,
                        results.stream()
                                .filter(result -> result.outcome() == KeyOutcome.FAILED && Outage.sign(result.error()))
                                .findFirst()
                                .map(KeyCopier.Result::error)
                                .orElse("keys failed"));
            }
        }
    }
}
