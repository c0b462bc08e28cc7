package io.ferry.resp.command;

import io.ferry.resp.CommandMessage;

import java.nio.charset.StandardCharsets;

/**
 * Finds the {@code BLOCK} option of XREAD and XREADGROUP, the commands Redis flags {@code blocking}
 * although they only block when asked to. Options are skipped with their arguments up to {@code
 * STREAMS}, so a group or consumer named "BLOCK" is not mistaken for the option. Allocation-free.
 */
final class BlockOption {

    private static final byte[] BLOCK = ascii("BLOCK");
    private static final byte[] COUNT = ascii("COUNT");
    private static final byte[] GROUP = ascii("GROUP");
    private static final byte[] STREAMS = ascii("STREAMS");

    private BlockOption() {}

    /** True when the XREAD or XREADGROUP {@code command} carries BLOCK before STREAMS. */
    static boolean present(CommandMessage command) {
        int argc = command.argCount();
        for (int i = 1; i < argc; i++) {
            if (command.argEqualsIgnoreCase(i, STREAMS)) {
                return false;
            }
            if (command.argEqualsIgnoreCase(i, BLOCK)) {
                return true;
            }
            if (command.argEqualsIgnoreCase(i, COUNT)) {
                i += 1;
            } else if (command.argEqualsIgnoreCase(i, GROUP)) {
                i += 2;
            }
        }
        return false;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
