package io.ferry.mover;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Copies keys with a {@link KeyCopier}, trying the keys that failed again after a doubling backoff, up to
 * the options' attempts; every key's last result goes to the sink exactly once.
 */
final class RetryingCopy {
    private static final Logger log = LoggerFactory.getLogger(RetryingCopy.class);

    /** Receives each key's final result, with the attempts it took and when it first failed (or null). */
    interface Sink {
        void accept(KeyCopier.Result result, int attempts, Instant firstFailure) throws InterruptedException;
    }

    private RetryingCopy() {}

    static void copy(KeyCopier copier, List<byte[]> keys, CopyOptions options, String what, Sink sink)
            throws InterruptedException {
        Instant firstFailure = null;
        long backoff = options.retryBackoff().toMillis();
        List<byte[]> pending = keys;
        for (int attempt = 1; ; attempt++) {
            List<KeyCopier.Result> failed = new ArrayList<>();
            for (KeyCopier.Result result : copier.copy(pending)) {
                if (result.outcome() == KeyOutcome.FAILED && attempt < options.maxAttempts()) {
                    failed.add(result);
                } else {
                    sink.accept(
                            result,
                            attempt,
                            result.outcome() == KeyOutcome.FAILED && firstFailure == null
                                    ? Instant.now()
                                    : firstFailure);
                }
            }
            if (failed.isEmpty()) {
                return;
            }
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
            TimeUnit.MILLISECONDS.sleep(backoff);
            backoff *= 2;
            pending = failed.stream().map(KeyCopier.Result::key).toList();
        }
    }
}
