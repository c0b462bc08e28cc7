package io.ferry.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * {@code ferry migrate ACTION}: the control plane's workflow from the command line, one action per subcommand
 * (status, create, setup, prepare, acknowledge, approve, traffic, rollback, resume, verify, complete, abandon). Exit
 * status scripts can rely on: {@value #OK} done; {@value #REFUSED} the control plane refused it (the message says
 * why: a phase, a blocking finding), or a verify found differences; {@value #USAGE} bad settings; {@value
 * #UNAVAILABLE} the control plane could not be reached or failed (or a verify did not finish).
 */
final class MigrateService implements Service {
    static final int OK = 0;
    static final int REFUSED = 1;
    static final int USAGE = 2;
    static final int UNAVAILABLE = 3;

    static final String CONTROL = "control";
    static final String RUN = "run";

    /** What one action does, given its settings and the client. */
    @FunctionalInterface
    interface Action {
        int run(Settings settings, ControlClient control, PrintWriter out, PrintWriter err) throws Exception;
    }

    private final SettingsSpec spec;
    private final Action action;

    private MigrateService(String name, String description, UnaryOperator<ConfigDef> settings, Action action) {
        ConfigDef definition = settings.apply(common(new ConfigDef()));
        this.spec = new SettingsSpec("migrate " + name, description, definition, List.of(ApiToken::problems));
        this.action = action;
    }

    static final List<Service> ACTIONS = List.of(
            new MigrateService(
                    "status",
                    "the runs, or one run's phase, route, copy, verify and findings",
                    d -> d.define(RUN, Type.STRING, "", Importance.HIGH, "The run to show; empty: every run."),
                    MigrateService::status),
            new MigrateService(
                    "create", "create a migration run (phase PRE_TEST)", MigrateService::run, (s, c, out, err) -> {
                        show(c.post("/api/v1/migrations", Map.of("id", s.getString(RUN))), out);
                        return OK;
                    }),
            new MigrateService(
                    "setup",
                    "choose source, target, strategy and policies",
                    d -> run(d).define(
                                    "source",
                                    Type.STRING,
                                    ConfigDef.NO_DEFAULT_VALUE,
                                    Importance.HIGH,
                                    "Source endpoint id.")
                            .define(
                                    "target",
                                    Type.STRING,
                                    ConfigDef.NO_DEFAULT_VALUE,
                                    Importance.HIGH,
                                    "Target endpoint id.")
                            .define(
                                    "strategy",
                                    Type.STRING,
                                    "CANARY",
                                    Importance.HIGH,
                                    "BIG_BANG, CANARY, BLUE_GREEN, USER_BY_USER or SHADOW.")
                            .define(
                                    "data-movement",
                                    Type.STRING,
                                    "COPY_AND_SYNC",
                                    Importance.MEDIUM,
                                    "COPY_AND_SYNC, SYNC_ONLY or NONE.")
                            .define(
                                    "conflict-policy",
                                    Type.STRING,
                                    "REPLACE",
                                    Importance.MEDIUM,
                                    "REPLACE, NONE or MERGE.")
                            .define(
                                    "write-consistency",
                                    Type.STRING,
                                    "SOURCE_AUTHORITATIVE",
                                    Importance.MEDIUM,
                                    "SOURCE_AUTHORITATIVE, BEST_EFFORT or BOTH_REQUIRED.")
                            .define("include", Type.LIST, "", Importance.MEDIUM, "Key patterns to migrate; empty: all.")
                            .define("exclude", Type.LIST, "", Importance.MEDIUM, "Key patterns left behind."),
                    (s, c, out, err) -> {
                        Map<String, Object> body = new LinkedHashMap<>();
                        body.put("source", s.getString("source"));
                        body.put("target", s.getString("target"));
                        body.put("strategy", s.getString("strategy"));
                        body.put("data_movement", s.getString("data-movement"));
                        body.put("conflict_policy", s.getString("conflict-policy"));
                        body.put("write_consistency", s.getString("write-consistency"));
                        body.put(
                                "key_filters",
                                Map.of("include", s.getList("include"), "exclude", s.getList("exclude")));
                        show(c.put(runPath(s, "/setup"), body), out);
                        return OK;
                    }),
            new MigrateService(
                    "prepare",
                    "compatibility checks and a test run; exit 1 when a finding blocks",
                    MigrateService::run,
                    (s, c, out, err) -> {
                        JsonNode run = c.post(runPath(s, "/prepare"), null);
                        show(run, out);
                        for (JsonNode finding : run.get("findings")) {
                            if (finding.get("blocking").asBoolean()) {
                                err.println("ferry migrate prepare: blocking findings: fix them and prepare again");
                                return REFUSED;
                            }
                        }
                        return OK;
                    }),
            new MigrateService(
                    "acknowledge",
                    "acknowledge a non-blocking finding with a note",
                    d -> run(d).define(
                                    "finding",
                                    Type.INT,
                                    ConfigDef.NO_DEFAULT_VALUE,
                                    Range.atLeast(0),
                                    Importance.HIGH,
                                    "The finding's index (ferry migrate status shows them).")
                            .define(
                                    "note",
                                    Type.STRING,
                                    ConfigDef.NO_DEFAULT_VALUE,
                                    new ConfigDef.NonEmptyString(),
                                    Importance.HIGH,
                                    "Why it is acceptable."),
                    (s, c, out, err) -> {
                        show(
                                c.post(
                                        runPath(s, "/findings/" + s.getInt("finding") + "/acknowledge"),
                                        Map.of("note", s.getString("note"))),
                                out);
                        return OK;
                    }),
            new MigrateService(
                    "approve",
                    "approve the run: writes go to both sides, the copy starts; with wait-copy, until it ends",
                    d -> run(d).define(
                                    "wait-copy",
                                    Type.BOOLEAN,
                                    false,
                                    Importance.MEDIUM,
                                    "Then wait for the historical copy, with a progress bar, and exit 0 when it is "
                                            + "complete, 1 when it failed or stopped."),
                    MigrateService::approve),
            new MigrateService(
                    "traffic",
                    "move reads to the target: a canary step, or the next one",
                    d -> run(d).define(
                                    "ratio",
                                    Type.INT,
                                    -1,
                                    Range.between(-1, 100),
                                    Importance.HIGH,
                                    "Percent of keys read from the target; -1: the next canary step."),
                    MigrateService::traffic),
            simple("rollback", "every read back on the source, writes still mirrored"),
            simple("resume", "back to migrating after a rollback"),
            new MigrateService(
                    "verify",
                    "keyspace verify; with wait, until it ends (exit 0 equal, 1 different)",
                    d -> run(d).define(
                                    "wait",
                                    Type.BOOLEAN,
                                    true,
                                    Importance.MEDIUM,
                                    "Wait for the result and exit with it.")
                            .define(
                                    "repair",
                                    Type.BOOLEAN,
                                    false,
                                    Importance.MEDIUM,
                                    "Send each key found different to the run's reconciler, which copies it again from "
                                            + "the authoritative side; verify again afterwards."),
                    MigrateService::verify),
            new MigrateService(
                    "complete",
                    "commit: the target becomes authoritative (needs a clean verify)",
                    d -> run(d).define(
                                    "accept-target",
                                    Type.BOOLEAN,
                                    false,
                                    Importance.HIGH,
                                    "Must be true: you accept the target as the new authority."),
                    (s, c, out, err) -> {
                        show(
                                c.post(runPath(s, "/complete"), Map.of("accept_target", s.getBoolean("accept-target"))),
                                out);
                        return OK;
                    }),
            simple("abandon", "abandon the run: the source alone serves"));

    static final ServiceGroup GROUP = new ServiceGroup(
            "migrate", "Drive a migration run through the control plane's workflow, step by step.", ACTIONS);

    private static MigrateService simple(String name, String description) {
        return new MigrateService(name, description, MigrateService::run, (s, c, out, err) -> {
            show(c.post(runPath(s, "/" + name), null), out);
            return OK;
        });
    }

    @Override
    public SettingsSpec spec() {
        return spec;
    }

    @Override
    public int run(Settings settings) throws Exception {
        return run(settings, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    }

    @Override
    public int run(Settings settings, PrintWriter out, PrintWriter err) throws Exception {
        String token;
        try {
            token = ApiToken.read(settings);
        } catch (IOException | IllegalArgumentException e) {
            err.println("ferry " + spec.service() + ": " + e.getMessage());
            return USAGE;
        }
        try {
            int status = action.run(settings, new ControlClient(settings.getString(CONTROL), token), out, err);
            out.flush();
            return status;
        } catch (ControlClient.Refused e) {
            out.flush();
            err.println("ferry " + spec.service() + ": refused: " + e.getMessage());
            return REFUSED;
        } catch (ControlClient.Unavailable e) {
            out.flush();
            err.println("ferry " + spec.service() + ": " + e.getMessage());
            return UNAVAILABLE;
        }
    }

    private static ConfigDef common(ConfigDef definition) {
        return ApiToken.define(definition)
                .define(
                        CONTROL,
                        Type.STRING,
                        "http://127.0.0.1:8080",
                        new ConfigDef.NonEmptyStringWithoutControlChars(),
                        Importance.HIGH,
                        "The control plane's URL (ferry control --listen).");
    }

    private static ConfigDef run(ConfigDef definition) {
        return definition.define(
                RUN,
                Type.STRING,
                ConfigDef.NO_DEFAULT_VALUE,
                new ConfigDef.NonEmptyStringWithoutControlChars(),
                Importance.HIGH,
                "The migration run.");
    }

    private static String runPath(Settings settings, String suffix) {
        return "/api/v1/migrations/" + URLEncoder.encode(settings.getString(RUN), StandardCharsets.UTF_8) + suffix;
    }

    private static int status(Settings s, ControlClient c, PrintWriter out, PrintWriter err) throws Exception {
        if (!s.getString(RUN).isEmpty()) {
            show(c.get(runPath(s, "")), out);
            return OK;
        }
        TextTable table = new TextTable(out, List.of("RUN", "PHASE", "STRATEGY", "READS ON TARGET", "NEXT"), 100);
        for (JsonNode run : c.get("/api/v1/migrations")) {
            table.row(
                    run.get("id").asText(),
                    run.get("phase").asText(),
                    run.get("setup").isNull() ? "-" : run.at("/setup/strategy").asText(),
                    run.get("route").isNull()
                            ? "-"
                            : run.at("/route/ratio_percent").asInt() + "%",
                    String.join(",", textList(run.get("allowed_actions"))));
        }
        table.end();
        return OK;
    }

    private static int traffic(Settings s, ControlClient c, PrintWriter out, PrintWriter err) throws Exception {
        int ratio = s.getInt("ratio");
        if (ratio < 0) {
            JsonNode run = c.get(runPath(s, ""));
            int current = run.get("route").isNull()
                    ? 0
                    : run.at("/route/ratio_percent").asInt();
            ratio = -1;
            for (int step : List.of(0, 5, 20, 40, 80, 100)) {
                if (step > current) {
                    ratio = step;
                    break;
                }
            }
            if (ratio < 0) {
                err.println("ferry migrate traffic: already at 100 %: every read is on the target");
                return REFUSED;
            }
        }
        show(c.post(runPath(s, "/traffic"), Map.of("ratio_percent", ratio)), out);
        return OK;
    }

    private static int approve(Settings s, ControlClient c, PrintWriter out, PrintWriter err) throws Exception {
        show(c.post(runPath(s, "/approve"), null), out);
        if (!s.getBoolean("wait-copy")) {
            return OK;
        }
        out.flush();
        ProgressLine line = new ProgressLine(System.err, System.console() != null);
        long started = System.nanoTime();
        while (true) {
            JsonNode run = c.get(runPath(s, ""));
            JsonNode copy = run.get("copy");
            if (copy == null || copy.isNull()) {
                if (run.at("/setup/data_movement").asText().equals("COPY_AND_SYNC")
                        && System.nanoTime() - started < 30_000_000_000L) {
                    Thread.sleep(500); // approved a moment ago: the copy is being started
                    continue;
                }
                line.end();
                out.println("copy: none (the run's data movement copies nothing)");
                return OK;
            }
            String state = copy.get("state").asText();
            long handled = copy.path("handled").asLong();
            long total = copy.path("total").asLong(-1);
            double seconds = Math.max(0.001, (System.nanoTime() - started) / 1e9);
            double rate = handled / seconds;
            if (!state.equals("RUNNING")) {
                line.end();
                out.printf(
                        "copy %s: %,d copied, %,d skipped, %,d failed of %,d scanned, %,d bytes, in %.1f s "
                                + "(with the catch-up of the writes made meanwhile)%s%n",
                        state,
                        copy.get("copied").asLong(),
                        copy.get("skipped").asLong(),
                        copy.get("failed").asLong(),
                        copy.get("scanned").asLong(),
                        copy.path("bytes").asLong(),
                        seconds,
                        copy.get("detail").asText().isEmpty()
                                ? ""
                                : " (" + copy.get("detail").asText() + ")");
                return state.equals("COMPLETE") ? OK : REFUSED;
            }
            line.show(
                    handled,
                    Math.max(total, 0),
                    String.format(
                            "copy: %,d of %,d keys, %,d bytes, %,.0f keys/s%s",
                            handled,
                            Math.max(total, copy.get("scanned").asLong()),
                            copy.path("bytes").asLong(),
                            rate,
                            handled >= total && total > 0 ? "; catching up with the writes made meanwhile" : ""),
                    total > handled && rate > 0 ? (long) ((total - handled) / rate) : -1);
            Thread.sleep(500);
        }
    }

    private static int verify(Settings s, ControlClient c, PrintWriter out, PrintWriter err) throws Exception {
        JsonNode before = c.get(runPath(s, ""));
        String previous = before.get("verify").isNull()
                ? ""
                : before.at("/verify/finished_at").asText();
        c.post(runPath(s, "/verify"), Map.of("repair", s.getBoolean("repair")));
        if (!s.getBoolean("wait")) {
            out.println("verify started; ferry migrate status --run " + s.getString(RUN) + " shows its result");
            return OK;
        }
        ProgressLine line = new ProgressLine(System.err, System.console() != null);
        long started = System.nanoTime();
        while (true) {
            Thread.sleep(1000);
            JsonNode run = c.get(runPath(s, ""));
            JsonNode verify = run.get("verify");
            if (!verify.isNull() && !verify.get("finished_at").asText().equals(previous)) {
                line.end();
                int exit = verify.get("exit_status").asInt();
                out.printf(
                        "verify: %s: %,d keys checked, %,d confirmed different%n",
                        exit == 0 ? "EQUAL" : exit == 1 ? "DIFFERENT" : "INCOMPLETE",
                        verify.get("keys_checked").asLong(),
                        verify.get("confirmed").asLong());
                return exit == 0 ? OK : exit == 1 ? REFUSED : UNAVAILABLE;
            }
            line.show(0, 0, "verifying for " + (System.nanoTime() - started) / 1_000_000_000L + " s", -1);
        }
    }

    /** A run as a short report: phase, route, copy, verify, findings. */
    private static void show(JsonNode run, PrintWriter out) {
        out.printf(
                "run %s: phase %s; next: %s%n",
                run.get("id").asText(),
                run.get("phase").asText(),
                String.join(", ", textList(run.get("allowed_actions"))));
        if (!run.get("setup").isNull()) {
            out.printf(
                    "  %s -> %s, %s, %s%n",
                    run.at("/setup/source").asText(),
                    run.at("/setup/target").asText(),
                    run.at("/setup/strategy").asText(),
                    run.at("/setup/write_consistency").asText());
        }
        if (run.hasNonNull("route")) {
            out.printf(
                    "  route (epoch %d): reads %s, %d%% on the target; writes %s%n",
                    run.at("/route/epoch").asLong(),
                    run.at("/route/read_mode").asText(),
                    run.at("/route/ratio_percent").asInt(),
                    run.at("/route/write_policy").asText());
        }
        if (run.hasNonNull("copy")) {
            out.printf(
                    "  copy %s: %,d copied, %,d skipped, %,d failed of %,d scanned%n",
                    run.at("/copy/state").asText(),
                    run.at("/copy/copied").asLong(),
                    run.at("/copy/skipped").asLong(),
                    run.at("/copy/failed").asLong(),
                    run.at("/copy/scanned").asLong());
        }
        if (run.hasNonNull("verify")) {
            out.printf(
                    "  verify: exit %d, %,d keys checked, %,d confirmed different%n",
                    run.at("/verify/exit_status").asInt(),
                    run.at("/verify/keys_checked").asLong(),
                    run.at("/verify/confirmed").asLong());
        }
        for (JsonNode finding : run.get("findings")) {
            out.printf(
                    "  [%d] %s %s%s: %s%s%n",
                    finding.get("index").asInt(),
                    finding.get("severity").asText(),
                    finding.get("check").asText(),
                    finding.get("blocking").asBoolean() ? " (blocking)" : "",
                    finding.get("summary").asText(),
                    finding.get("acknowledged").asBoolean()
                            ? " [acknowledged: " + finding.get("note").asText() + "]"
                            : "");
        }
    }

    private static List<String> textList(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(item -> out.add(item.asText()));
        return out;
    }
}
