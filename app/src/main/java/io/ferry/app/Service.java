package io.ferry.app;

import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;

import java.io.PrintWriter;

/** A Ferry service runnable as {@code ferry NAME}: its settings declaration and what runs it. */
interface Service {
    SettingsSpec spec();

    /**
     * Runs the service with validated settings until it is stopped (SIGTERM, Ctrl-C) or, for
     * one-shot services, until done.
     *
     * @return the exit status
     */
    int run(Settings settings) throws Exception;

    /**
     * Runs the service with the launcher's output: {@code out} for what the command produces (a
     * table, JSON lines), {@code err} for messages about it. They are the process's standard output
     * and error, except when a test calls {@link Ferry#execute}. The default ignores them, for the
     * services that print to {@code System.out} and {@code System.err} themselves.
     *
     * @return the exit status
     */
    default int run(Settings settings, PrintWriter out, PrintWriter err) throws Exception {
        return run(settings);
    }
}
