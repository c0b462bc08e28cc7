package io.ferry.resp.command;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.RespDecoder;
import io.ferry.resp.RespLimits;
import io.ferry.resp.RespMessage;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The command table: for every command and subcommand a server knows, its {@link CommandInfo}. The one
 * source of truth for command classification and key positions, read by routing, dual-write, capture
 * filters and comparison.
 *
 * <p>Built from real Redis metadata, the reply to {@code COMMAND} (plus, optionally, {@code COMMAND
 * DOCS}), never from a hand-written list:
 *
 * <ul>
 *   <li>{@link #bundled()}: the replies of Redis {@value #BUNDLED_VERSION}, kept as raw RESP resources
 *       (refreshed by {@code scripts/refresh-command-table.sh});
 *   <li>{@link #fromReplies}: a live server's replies, decoded by {@link RespDecoder#forReplies};
 *   <li>{@link #fromSource}: what a proxy builds at start-up when its source answers: the live table,
 *       completed by the bundled one ({@link #merge}).
 * </ul>
 *
 * <p>{@link #lookup(CommandMessage)} finds a client's command (and its subcommand, for containers such
 * as CLIENT, CONFIG, OBJECT, XINFO) from the argument bytes, ignoring ASCII case, with no allocation;
 * a name the table does not know gives an entry of kind {@link CommandKind#UNKNOWN} that counts as a
 * write.
 *
 * <p>Immutable and thread-safe: build one at start-up and share it.
 */
public final class CommandTable {

    /** The Redis version whose replies {@link #bundled()} holds (major.minor). */
    public static final String BUNDLED_VERSION = "7.0";

    private static final String COMMAND_RESOURCE = "redis-" + BUNDLED_VERSION + "-command.resp";
    private static final String DOCS_RESOURCE = "redis-" + BUNDLED_VERSION + "-command-docs.resp";

    private final Map<String, CommandInfo> commands;
    private final NameIndex index;

    private CommandTable(Collection<CommandInfo> entries) {
        Map<String, CommandInfo> byName = new TreeMap<>();
        for (CommandInfo entry : entries) {
            if (entry.isSubcommand()) {
                throw new IllegalArgumentException("not a top-level command: " + entry.name());
            }
            if (byName.put(entry.name(), entry) != null) {
                throw new IllegalArgumentException("command '" + entry.name() + "' listed twice");
            }
        }
        this.commands = Collections.unmodifiableMap(byName);
        this.index = new NameIndex(byName);
    }

    /** The table of Redis {@value #BUNDLED_VERSION}, read once from the resources of this module. */
    public static CommandTable bundled() {
        return Bundled.TABLE;
    }

    /**
     * The table of a live server.
     *
     * @param commandReply the decoded reply to {@code COMMAND}, RESP2 or RESP3; still owned by the caller
     * @param docsReply the decoded reply to {@code COMMAND DOCS}, or null; an error reply (servers before
     *     Redis 7) counts as none
     * @throws IllegalArgumentException when {@code commandReply} is an error or not a command list
     */
    public static CommandTable fromReplies(RespMessage commandReply, RespMessage docsReply) {
        Objects.requireNonNull(commandReply, "commandReply");
        Map<String, CommandDocs> docs = CommandReplyReader.readDocs(docsReply);
        return new CommandTable(CommandReplyReader.readCommands(commandReply, docs));
    }

    /** A live server's table completed by the bundled one: {@code merge(fromReplies(...), bundled())}. */
    public static CommandTable fromSource(RespMessage commandReply, RespMessage docsReply) {
        return merge(fromReplies(commandReply, docsReply), bundled());
    }

    /**
     * {@code live}, completed by {@code fallback}: every command of {@code live} as the live server
     * describes it, plus the commands only {@code fallback} knows. Within a command, what is missing
     * from a pre-7 live entry (key specs, tips, subcommands, docs) is taken from the fallback; see
     * {@link CommandInfo} for the exact rule. The live server wins every disagreement, as it is the
     * server that runs the commands.
     */
    public static CommandTable merge(CommandTable live, CommandTable fallback) {
        Map<String, CommandInfo> merged = new TreeMap<>(live.commands);
        for (CommandInfo bundledEntry : fallback.commands.values()) {
            merged.merge(bundledEntry.name(), bundledEntry, (liveEntry, bundled) -> liveEntry.withFallback(bundled));
        }
        return new CommandTable(merged.values());
    }

    /**
     * The entry for {@code command}: its subcommand's when the command is a container and argument 1
     * names a known subcommand, else the command's own; for a name the table does not know, a shared
     * entry with {@link CommandInfo#isKnown()} false and kind {@link CommandKind#UNKNOWN}. Never null;
     * allocation-free.
     */
    public CommandInfo lookup(CommandMessage command) {
        CommandInfo entry = index.find(command.arg(0));
        if (entry == null) {
            return CommandInfo.UNKNOWN;
        }
        if (entry.hasSubcommands()) {
            CommandInfo subcommand = entry.findSubcommand(command);
            if (subcommand != null) {
                return subcommand;
            }
        }
        return entry;
    }

    /** The command or subcommand named {@code name} ({@code "get"}, {@code "CLIENT|SETNAME"}), any case. */
    public Optional<CommandInfo> find(String name) {
        int bar = name.indexOf('|');
        CommandInfo entry = index.find(bar < 0 ? name : name.substring(0, bar));
        if (entry == null || bar < 0) {
            return Optional.ofNullable(entry);
        }
        return entry.subcommand(name.substring(bar + 1));
    }

    /** Shorthand for {@code lookup(command).findKeys(command, out)}. */
    public KeyPositions findKeys(CommandMessage command, KeyPositions out) {
        return lookup(command).findKeys(command, out);
    }

    /** Shorthand for {@code lookup(command).keyIndexes(command)}; allocates. */
    public int[] keyIndexes(CommandMessage command) {
        return lookup(command).keyIndexes(command);
    }

    /** Number of top-level commands. */
    public int size() {
        return commands.size();
    }

    /** Top-level commands, sorted by name. */
    public Collection<CommandInfo> commands() {
        return commands.values();
    }

    /** Every command and subcommand, sorted by name (a container before its subcommands). */
    public List<CommandInfo> allCommands() {
        List<CommandInfo> all = new ArrayList<>();
        for (CommandInfo command : commands.values()) {
            all.add(command);
            all.addAll(command.subcommands());
        }
        return Collections.unmodifiableList(all);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CommandTable other && commands.equals(other.commands);
    }

    @Override
    public int hashCode() {
        return commands.hashCode();
    }

    @Override
    public String toString() {
        return "CommandTable[" + commands.size() + " commands]";
    }

    /** Decodes one complete reply from {@code bytes} with the codec every Ferry connection uses. */
    static RespMessage decodeReply(byte[] bytes, String what) {
        EmbeddedChannel channel = new EmbeddedChannel(RespDecoder.forReplies(RespLimits.DEFAULTS));
        try {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes));
            RespMessage reply = channel.readInbound();
            if (reply == null) {
                throw new IllegalArgumentException(what + ": incomplete RESP reply (" + bytes.length + " bytes)");
            }
            if (!channel.inboundMessages().isEmpty()) {
                ReferenceCountUtil.release(reply);
                throw new IllegalArgumentException(what + ": more than one RESP reply");
            }
            return reply;
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    private static byte[] readResource(String name) {
        try (InputStream in = CommandTable.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(
                        "resource " + name + " is missing next to " + CommandTable.class.getName());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + name, e);
        }
    }

    /** Holder, so the resources are read on first use, once, and thread-safely. */
    private static final class Bundled {
        static final CommandTable TABLE = load();

        private static CommandTable load() {
            RespMessage commandReply = decodeReply(readResource(COMMAND_RESOURCE), COMMAND_RESOURCE);
            try {
                RespMessage docsReply = decodeReply(readResource(DOCS_RESOURCE), DOCS_RESOURCE);
                try {
                    return fromReplies(commandReply, docsReply);
                } finally {
                    ReferenceCountUtil.release(docsReply);
                }
            } finally {
                ReferenceCountUtil.release(commandReply);
            }
        }
    }
}
