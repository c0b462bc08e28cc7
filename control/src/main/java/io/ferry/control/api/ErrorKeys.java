package io.ferry.control.api;

import com.fasterxml.jackson.core.JsonGenerator;
import io.ferry.mover.ErrorLog;
import io.ferry.mover.ErrorReplay;
import io.ferry.mover.ErrorView;
import io.ferry.schemas.MigrationSetup;
import io.ferry.schemas.Workflow;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The error keys of a run (the keys the copy or the reconciler could not write, on the errors topic): listed (at
 * most {@code limit}), exported whole as JSON lines, and copied again from the source with a check of each. The
 * record shape is {@link ErrorView}'s, as {@code ferry errors export} writes it. Thread-safe.
 */
final class ErrorKeys {
    static final int MAX_LIST = 10_000;
    private static final int MAX_RESULTS_SHOWN = 1_000;

    private final ErrorLog log;
    private final Endpoints endpoints;

    ErrorKeys(ErrorLog log, Endpoints endpoints) {
        this.log = log;
        this.endpoints = endpoints;
    }

    Map<String, Object> list(Workflow run, int limit) {
        if (limit < 1 || limit > MAX_LIST) {
            throw ApiException.badRequest("query 'limit': " + limit + " (expected: 1 to " + MAX_LIST + ")");
        }
        List<Map<String, Object>> errors = new ArrayList<>();
        ErrorLog.Summary summary = read(run, error -> {
            if (errors.size() < limit) {
                errors.add(ErrorView.of(error));
            }
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("total", summary.matched());
        out.put("unreadable", summary.unreadable());
        out.put("errors", errors);
        return out;
    }

    /** Every error of the run, one JSON object per line, written as read. */
    void export(Workflow run, OutputStream out) throws IOException {
        JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out);
        json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        json.setRootValueSeparator(null);
        read(run, error -> {
            json.writeObject(ErrorView.of(error));
            json.writeRaw('\n');
        });
        json.close();
    }

    Map<String, Object> replay(Workflow run) throws InterruptedException {
        MigrationSetup setup = setup(run);
        ErrorReplay.Options options = new ErrorReplay.Options(
                endpoints.open(endpoints.get(setup.getSourceEndpoint()), Endpoints.Role.READ),
                endpoints.open(endpoints.get(setup.getTargetEndpoint()), Endpoints.Role.WRITE),
                setup.getConflictPolicy() == io.ferry.schemas.ConflictPolicy.MERGE
                        ? io.ferry.schemas.ConflictPolicy.REPLACE
                        : setup.getConflictPolicy(),
                Duration.ofSeconds(2));
        List<Map<String, Object>> results = new ArrayList<>();
        ErrorReplay.Totals totals;
        try (ErrorReplay replay = ErrorReplay.open(options)) {
            totals = replay.replayAll(log, Optional.of(run.getRunId()), result -> {
                if (results.size() < MAX_RESULTS_SHOWN) {
                    Map<String, Object> r = new LinkedHashMap<>(ErrorView.of(result.error()));
                    r.put("outcome", result.outcome().name());
                    r.put("detail", result.detail());
                    results.add(r);
                }
            });
        } catch (IllegalStateException e) {
            throw new ApiException(502, e.getMessage());
        }
        Map<String, Object> outcomes = new LinkedHashMap<>();
        totals.outcomes().forEach((outcome, count) -> outcomes.put(outcome.name(), count));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("replayed", totals.replayed());
        out.put("all_resolved", totals.allResolved());
        out.put("outcomes", outcomes);
        out.put("results", results);
        return out;
    }

    private <E extends Exception> ErrorLog.Summary read(Workflow run, ErrorLog.Sink<E> sink) throws E {
        try {
            return log.read(Optional.of(run.getRunId()), sink);
        } catch (IllegalStateException e) {
            throw new ApiException(503, e.getMessage());
        }
    }

    private static MigrationSetup setup(Workflow run) {
        if (run.getSetup() == null) {
            throw ApiException.conflict(
                    "migration '" + run.getRunId() + "' has no setup: no endpoints to replay between");
        }
        return run.getSetup();
    }
}
