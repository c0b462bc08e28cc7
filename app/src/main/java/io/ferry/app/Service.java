package io.ferry.app;

import io.ferry.settings.Settings;
import io.ferry.settings.SettingsSpec;

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
}
