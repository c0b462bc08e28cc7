/** The {@code ferry} command: every Ferry service as a subcommand of one launcher. */
package io.ferry.app;
