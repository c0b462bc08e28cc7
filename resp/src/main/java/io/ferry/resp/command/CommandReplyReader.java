package io.ferry.resp.command;

import io.ferry.resp.AggregateMessage;
import io.ferry.resp.BulkErrorMessage;
import io.ferry.resp.BulkStringMessage;
import io.ferry.resp.ErrorMessage;
import io.ferry.resp.IntegerMessage;
import io.ferry.resp.NullMessage;
import io.ferry.resp.RespMessage;
import io.ferry.resp.SimpleStringMessage;
import io.ferry.resp.VerbatimStringMessage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads the replies to {@code COMMAND} (or {@code COMMAND INFO}) and {@code COMMAND DOCS} into
 * entries. Accepts RESP2 and RESP3 alike: flag sets may be arrays or sets, and maps may be RESP3 maps
 * or RESP2 arrays of alternating keys and values, which {@link AggregateMessage#elements()} presents
 * the same way.
 *
 * <p>Tolerant of what newer servers add (extra entry fields, unknown map keys, unknown flags), strict
 * about what it needs: a malformed entry throws {@link IllegalArgumentException} naming the command
 * and the field. Copies everything it keeps, so the replies stay owned by the caller.
 */
final class CommandReplyReader {

    /** Fields of a {@code COMMAND} entry before Redis 7 added tips, key specs and subcommands. */
    private static final int LEGACY_FIELDS = 7;

    private static final int MIN_FIELDS = 6;

    private CommandReplyReader() {}

    /** The commands of a {@code COMMAND} reply, each with its docs from {@code docs} (full name to docs). */
    static List<CommandInfo> readCommands(RespMessage reply, Map<String, CommandDocs> docs) {
        if (isError(reply)) {
            throw new IllegalArgumentException("COMMAND answered with an error: " + reply);
        }
        List<CommandInfo> commands = new ArrayList<>();
        for (RespMessage entry : elements(reply, "COMMAND reply")) {
            // COMMAND INFO answers null for a name the server does not know.
            if (!(entry instanceof NullMessage)) {
                commands.add(readCommand(entry, docs));
            }
        }
        return commands;
    }

    private static CommandInfo readCommand(RespMessage entry, Map<String, CommandDocs> docs) {
        List<RespMessage> fields = elements(entry, "command entry");
        if (fields.size() < MIN_FIELDS) {
            throw new IllegalArgumentException(
                    "command entry has " + fields.size() + " fields (expected: >= " + MIN_FIELDS + ")");
        }
        String name = text(fields.get(0), "name").toLowerCase(Locale.ROOT);
        try {
            List<KeySpec> keySpecs = new ArrayList<>();
            if (fields.size() > 8) {
                int index = 0;
                for (RespMessage spec : elements(fields.get(8), "key specs")) {
                    keySpecs.add(readKeySpec(spec, index++));
                }
            }
            List<CommandInfo> subcommands = new ArrayList<>();
            if (fields.size() > 9) {
                for (RespMessage subcommand : elements(fields.get(9), "subcommands")) {
                    subcommands.add(readCommand(subcommand, docs));
                }
            }
            return new CommandInfo(
                    name,
                    integer(fields.get(1), "arity"),
                    texts(fields.get(2), "flags"),
                    integer(fields.get(3), "first key"),
                    integer(fields.get(4), "last key"),
                    integer(fields.get(5), "step"),
                    fields.size() > 6 ? texts(fields.get(6), "ACL categories") : List.of(),
                    fields.size() > 7 ? texts(fields.get(7), "tips") : List.of(),
                    keySpecs,
                    subcommands,
                    docs.getOrDefault(name, CommandDocs.NONE),
                    fields.size() <= LEGACY_FIELDS);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("command '" + name + "': " + e.getMessage(), e);
        }
    }

    private static KeySpec readKeySpec(RespMessage message, int index) {
        String what = "key spec " + index;
        Map<String, RespMessage> fields = map(message, what);
        EnumSet<KeySpecFlag> flags = EnumSet.noneOf(KeySpecFlag.class);
        RespMessage flagList = fields.get("flags");
        if (flagList != null) {
            for (String flag : texts(flagList, what + " flags")) {
                KeySpecFlag parsed = KeySpecFlag.fromWireName(flag);
                // A flag from a newer server says more about the keys' use, never where they are.
                if (parsed != null) {
                    flags.add(parsed);
                }
            }
        }
        RespMessage notes = fields.get("notes");
        return new KeySpec(
                flags,
                readBeginSearch(required(fields, "begin_search", what), what),
                readFindKeys(required(fields, "find_keys", what), what),
                notes == null ? "" : text(notes, what + " notes"));
    }

    private static BeginSearch readBeginSearch(RespMessage message, String what) {
        String context = what + " begin_search";
        Map<String, RespMessage> search = map(message, context);
        String type = text(required(search, "type", context), context + " type");
        Map<String, RespMessage> spec = map(required(search, "spec", context), context + " spec");
        return switch (type) {
            case "index" -> new BeginSearch.Index(integer(required(spec, "index", context), context + " index"));
            case "keyword" ->
                new BeginSearch.Keyword(
                        text(required(spec, "keyword", context), context + " keyword"),
                        integer(required(spec, "startfrom", context), context + " startfrom"));
            // "unknown", or a search type newer than this code: either way its keys cannot be located.
            default -> new BeginSearch.Unknown();
        };
    }

    private static FindKeys readFindKeys(RespMessage message, String what) {
        String context = what + " find_keys";
        Map<String, RespMessage> find = map(message, context);
        String type = text(required(find, "type", context), context + " type");
        Map<String, RespMessage> spec = map(required(find, "spec", context), context + " spec");
        return switch (type) {
            case "range" ->
                new FindKeys.Range(
                        integer(required(spec, "lastkey", context), context + " lastkey"),
                        integer(required(spec, "keystep", context), context + " keystep"),
                        integer(required(spec, "limit", context), context + " limit"));
            case "keynum" ->
                new FindKeys.KeyNum(
                        integer(required(spec, "keynumidx", context), context + " keynumidx"),
                        integer(required(spec, "firstkey", context), context + " firstkey"),
                        integer(required(spec, "keystep", context), context + " keystep"));
            default -> new FindKeys.Unknown();
        };
    }

    /**
     * The docs of a {@code COMMAND DOCS} reply by full name, subcommands included ({@code
     * "config|get"}). An error reply (a server older than Redis 7) or null gives no docs.
     */
    static Map<String, CommandDocs> readDocs(RespMessage reply) {
        Map<String, CommandDocs> docs = new HashMap<>();
        if (reply == null || isError(reply) || reply instanceof NullMessage) {
            return docs;
        }
        readDocsMap(reply, "COMMAND DOCS reply", docs);
        return docs;
    }

    private static void readDocsMap(RespMessage message, String what, Map<String, CommandDocs> into) {
        for (Map.Entry<String, RespMessage> entry : map(message, what).entrySet()) {
            String name = entry.getKey().toLowerCase(Locale.ROOT);
            try {
                Map<String, RespMessage> fields = map(entry.getValue(), "docs");
                into.put(
                        name,
                        new CommandDocs(
                                optionalText(fields, "summary"),
                                optionalText(fields, "since"),
                                optionalText(fields, "group"),
                                optionalText(fields, "complexity"),
                                fields.containsKey("doc_flags")
                                        ? Set.copyOf(texts(fields.get("doc_flags"), "doc_flags"))
                                        : Set.of(),
                                optionalText(fields, "deprecated_since"),
                                optionalText(fields, "replaced_by")));
                RespMessage subcommands = fields.get("subcommands");
                if (subcommands != null) {
                    readDocsMap(subcommands, "subcommands", into);
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("docs of '" + name + "': " + e.getMessage(), e);
            }
        }
    }

    private static boolean isError(RespMessage reply) {
        return reply instanceof ErrorMessage || reply instanceof BulkErrorMessage;
    }

    private static String optionalText(Map<String, RespMessage> fields, String key) {
        RespMessage value = fields.get(key);
        return value == null ? "" : text(value, key);
    }

    private static RespMessage required(Map<String, RespMessage> fields, String key, String what) {
        RespMessage value = fields.get(key);
        if (value == null) {
            throw new IllegalArgumentException(what + " has no '" + key + "'");
        }
        return value;
    }

    private static List<RespMessage> elements(RespMessage message, String what) {
        if (message instanceof AggregateMessage aggregate) {
            return aggregate.elements();
        }
        throw new IllegalArgumentException(what + ": expected an array, got " + message);
    }

    /** A RESP3 map, or a RESP2 array of alternating keys and values; later duplicates win. */
    private static Map<String, RespMessage> map(RespMessage message, String what) {
        List<RespMessage> elements = elements(message, what);
        if (elements.size() % 2 != 0) {
            throw new IllegalArgumentException(
                    what + ": expected keys and values, got " + elements.size() + " elements");
        }
        Map<String, RespMessage> map = new LinkedHashMap<>();
        for (int i = 0; i < elements.size(); i += 2) {
            map.put(text(elements.get(i), what + " key"), elements.get(i + 1));
        }
        return map;
    }

    private static List<String> texts(RespMessage message, String what) {
        List<RespMessage> elements = elements(message, what);
        List<String> texts = new ArrayList<>(elements.size());
        for (RespMessage element : elements) {
            texts.add(text(element, what));
        }
        return texts;
    }

    private static String text(RespMessage message, String what) {
        if (message instanceof BulkStringMessage bulk) {
            return bulk.content().toString(StandardCharsets.UTF_8);
        }
        if (message instanceof SimpleStringMessage simple) {
            return simple.content().toString(StandardCharsets.UTF_8);
        }
        if (message instanceof VerbatimStringMessage verbatim) {
            return verbatim.content().toString(StandardCharsets.UTF_8);
        }
        throw new IllegalArgumentException(what + ": expected a string, got " + message);
    }

    private static int integer(RespMessage message, String what) {
        if (message instanceof IntegerMessage integer
                && integer.value() >= Integer.MIN_VALUE
                && integer.value() <= Integer.MAX_VALUE) {
            return (int) integer.value();
        }
        throw new IllegalArgumentException(what + ": expected an integer, got " + message);
    }
}
