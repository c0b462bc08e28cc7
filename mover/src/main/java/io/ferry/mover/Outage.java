package io.ferry.mover;

import io.ferry.endpoint.EndpointException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A side that stopped answering for a while: a target restarting (refusing connections, then LOADING), paused, failing
 * over. A worker that meets one waits it out instead of failing its keys or stopping: it drops its connections, tries
 * the sides again with a doubling backoff (up to 5 s between tries) until both answer a PING, then copies again what
 * the outage caught. It stops waiting, and {@link #waitOut} throws, once the side has been unreachable for the copy
 * options' {@link CopyOptions#outageLimit}. One per worker; not thread-safe.
 */
final class Outage {
    private static final Logger log = LoggerFactory.getLogger(Outage.class);
    private static final long FIRST_BACKOFF_MS = 200;
    private static final long MAX_BACKOFF_MS = 5_000;
    /** What a side that is restarting, paused or failing over answers (Lettuce's words and the server's errors). */
    private static final List<String> SIGNS = List.of(
            "currently not connected",
            "connection closed",
            "connection reset",
            "connection refused",
            "cannot connect",
            "broken pipe",
            "no reply in time",
            "timed out");
    /** Server errors (their first word) of a side that will answer again soon. */
    private static final List<String> ERRORS = List.of("loading ", "masterdown ", "clusterdown ", "tryagain ");

    private final DbCopiers copiers;
    private final Duration limit;
    /** When the current outage began (System.nanoTime), or 0 when the sides answer. */
    private long since;

    Outage(DbCopiers copiers, Duration limit) {
        this.copiers = copiers;
        this.limit = limit;
    }

    /** True when {@code error}, a key's failure, says its side was unreachable rather than that the key was refused. */
    static boolean sign(String error) {
        if (error == null) {
            return false;
        }
        String lower = error.toLowerCase(Locale.ROOT);
        for (String sign : SIGNS) {
            if (lower.contains(sign)) {
                return true;
            }
        }
        for (String code : ERRORS) {
            if (lower.startsWith(code)) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code e} (or a cause of it) says a side was unreachable. */
    static boolean sign(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof EndpointException
                    || cause instanceof RedisConnectionException
                    || cause instanceof RedisCommandTimeoutException
                    || cause instanceof IOException
                    || sign(cause.getMessage())) {
                return true;
            }
        }
        return false;
    }

    /** The sides answered: an outage, if there was one, is over. */
    void over() {
        if (since != 0) {
            log.info(
                    "{} and {} answer again after {} ms",
                    copiers.sourceName(),
                    copiers.targetName(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since));
            since = 0;
        }
    }

    /**
     * Waits until both sides answer a PING on new connections, having dropped the copiers' connections (so the next
     * copier opened is new).
     *
     * @param what what was being copied, for the log
     * @param cause what the outage looked like
     * @throws EndpointException when the sides have not answered for the limit (with the last reason)
     */
    void waitOut(String what, String cause) throws InterruptedException {
        long now = System.nanoTime();
        if (since == 0) {
            since = now;
            log.warn(
                    "a side stopped answering while copying {} ({}): waiting for it up to {} s",
                    what,
                    cause,
                    limit.toSeconds());
        }
        copiers.reset();
        long backoff = FIRST_BACKOFF_MS;
        String reason = cause;
        while (true) {
            long waited = System.nanoTime() - since;
            if (waited >= limit.toNanos()) {
                throw new EndpointException("gave up copying " + what + ": a side has not answered for "
                        + TimeUnit.NANOSECONDS.toSeconds(waited) + " s (the outage limit is " + limit.toSeconds()
                        + " s): " + reason);
            }
            TimeUnit.MILLISECONDS.sleep(Math.min(backoff, Math.max(1, limit.toMillis() - waited / 1_000_000)));
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            reason = copiers.unreachable();
            if (reason == null) {
                return;
            }
        }
    }
}
