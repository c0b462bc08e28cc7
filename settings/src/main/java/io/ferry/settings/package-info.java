/**
 * Typed settings for every Ferry service: each setting declared once (name, type, default, doc,
 * validator) in a {@link io.ferry.settings.SettingsSpec}, loaded from a YAML file and command-line
 * flags (flags win) by {@link io.ferry.settings.SettingsLoader}, every problem reported together,
 * secrets masked wherever a value is printed.
 */
package io.ferry.settings;
