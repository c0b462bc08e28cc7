package io.ferry.proxy;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.command.CommandInfo;
import io.ferry.resp.command.CommandKind;
import io.ferry.resp.command.KeyPositions;
import io.ferry.schemas.Side;

/**
 * Where a command any connection may carry goes under a {@link MigrationRoute} with a target: the
 * side that serves it and how the other side takes part (see docs/migration.md). Connection-bound
 * commands are the session's: they run on the authoritative side. Stateless; {@link #decide} fills a
 * caller's {@link Decision} and allocates nothing.
 */
final class CommandRouter {
    /** One decision, reused by its session. */
    static final class Decision {
        /** The side whose reply the client gets. */
        Side served;
        /** {@link Exchange#SINGLE}, {@link Exchange#MIRRORED}, ... */
        byte plan;
        /** A write: it goes in the writes log and sets the last-write connection. */
        boolean write;
        /** Published to the writes log when there is one (writes with keys, compared reads). */
        boolean traced;
        /** Runs on the served side only, while it writes keys: they must be repaired on the other. */
        boolean repairOther;

        @Override
        public String toString() {
            return "served by " + served + ", plan " + plan + (write ? ", write" : "") + (traced ? ", traced" : "")
                    + (repairOther ? ", repair the other side" : "");
        }
    }

    private CommandRouter() {}

    /**
     * Decides for {@code command}, whose table entry is {@code info}; {@code keys} is scratch space
     * and holds the command's keys afterwards.
     */
    static void decide(
            MigrationRoute route, CommandInfo info, CommandMessage command, KeyPositions keys, Decision out) {
        decide(route, false, info, command, keys, out);
    }

    /**
     * As {@link #decide(MigrationRoute, CommandInfo, CommandMessage, KeyPositions, Decision)}; with {@code targetHeld}
     * (the target may have lost data or does not answer: {@link TargetSentinel}) a read the route sends to the target
     * is served by the source while the source is authoritative.
     */
    static void decide(
            MigrationRoute route,
            boolean targetHeld,
            CommandInfo info,
            CommandMessage command,
            KeyPositions keys,
            Decision out) {
        CommandKind kind = info.kindOf(command);
        Side authoritative = route.authoritative();
        out.write = info.isWrite();
        out.repairOther = false;
        out.traced = false;
        if (kind == CommandKind.SCRIPTING && !info.noKeys()) {
            // A script may touch keys it does not declare and may not replay alike: it runs where the
            // truth is, and its declared keys are repaired on the other side.
            single(out, authoritative);
            out.repairOther = route.dualWrites() && info.isWrite();
            out.traced = out.repairOther;
            return;
        }
        if (info.isWrite() || kind == CommandKind.PUBSUB || kind == CommandKind.SCRIPTING) {
            // PUBLISH and keyless script commands (SCRIPT LOAD, FUNCTION LOAD, so that EVALSHA and
            // FCALL find them on either side) reach both sides like writes, but have no key to repair.
            out.traced = kind != CommandKind.PUBSUB && kind != CommandKind.SCRIPTING;
            out.write = true;
            switch (route.writePolicy()) {
                case SOURCE_ONLY -> single(out, Side.SOURCE);
                case TARGET_ONLY -> single(out, Side.TARGET);
                case SOURCE_AUTHORITATIVE, BEST_EFFORT -> both(out, Side.SOURCE, Exchange.MIRRORED);
                case TARGET_AUTHORITATIVE -> both(out, Side.TARGET, Exchange.MIRRORED);
                case BOTH_REQUIRED -> both(out, Side.SOURCE, Exchange.BOTH_REQUIRED);
            }
            return;
        }
        if (kind == CommandKind.READ) {
            info.findKeys(command, keys);
            Side side = route.readSide(command, keys);
            if (side == Side.TARGET && targetHeld && authoritative == Side.SOURCE) {
                side = Side.SOURCE;
            }
            if (route.comparesReads()) {
                both(out, side, Exchange.COMPARED);
                out.traced = true;
            } else if (side == Side.TARGET && route.fallsBackOnMiss()) {
                out.served = Side.TARGET;
                out.plan = Exchange.FALLBACK;
            } else {
                single(out, side);
            }
            return;
        }
        // PING, ECHO, INFO and other keyless introspection: the side that holds the truth.
        single(out, authoritative);
    }

    private static void single(Decision out, Side side) {
        out.served = side;
        out.plan = Exchange.SINGLE;
    }

    private static void both(Decision out, Side served, byte plan) {
        out.served = served;
        out.plan = plan;
    }
}
