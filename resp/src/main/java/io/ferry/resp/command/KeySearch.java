package io.ferry.resp.command;

import io.ferry.resp.CommandMessage;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Locates the keys of one command's invocations, as Redis's {@code COMMAND GETKEYS} does: by following
 * the command's key specs, or, for the few commands whose specs Redis itself cannot follow (SORT,
 * SORT_RO, MIGRATE), by the same hand-written parsing Redis falls back to. Built once per command;
 * immutable, and allocation-free when searching.
 *
 * <p>Every index is checked against the arguments actually present, and a {@code numkeys} argument is
 * parsed without trusting it, so no input can make a search overrun or allocate beyond the output's
 * growth to the argument count.
 */
final class KeySearch {

    private enum Strategy {
        /** Follow the key specs. */
        SPECS,
        /** SORT: the key, and the STORE destination found by skipping options as Redis does. */
        SORT,
        /** SORT_RO: the key only. */
        SORT_RO,
        /** MIGRATE: argument 3, or the keys after KEYS when argument 3 is empty. */
        MIGRATE,
        /** Nothing can be located: a command not in the table, or a container without a known subcommand. */
        NONE
    }

    // The flags Redis's own fallbacks give these keys (sortGetKeys, migrateGetKeys).
    private static final KeySpec SORT_KEY =
            KeySpec.of(EnumSet.of(KeySpecFlag.RO, KeySpecFlag.ACCESS), new BeginSearch.Index(1), range(0));
    private static final KeySpec SORT_STORE =
            KeySpec.of(EnumSet.of(KeySpecFlag.OW, KeySpecFlag.UPDATE), new BeginSearch.Keyword("STORE", 2), range(0));
    private static final KeySpec MIGRATE_KEY = KeySpec.of(
            EnumSet.of(KeySpecFlag.RW, KeySpecFlag.ACCESS, KeySpecFlag.DELETE), new BeginSearch.Index(3), range(0));

    private static final byte[] LIMIT = ascii("LIMIT");
    private static final byte[] STORE = ascii("STORE");
    private static final byte[] GET = ascii("GET");
    private static final byte[] BY = ascii("BY");
    private static final byte[] KEYS = ascii("KEYS");
    private static final byte[] AUTH = ascii("AUTH");
    private static final byte[] AUTH2 = ascii("AUTH2");

    /** A numkeys longer than this cannot fit in an int and is bogus whatever its value. */
    private static final int MAX_COUNT_DIGITS = 10;

    static final KeySearch NONE = new KeySearch(Strategy.NONE, new CompiledSpec[0], false);

    private final Strategy strategy;
    private final CompiledSpec[] specs;
    /** True when the specs may miss keys whatever the arguments (movable keys with no complete specs). */
    private final boolean alwaysPartial;

    private KeySearch(Strategy strategy, CompiledSpec[] specs, boolean alwaysPartial) {
        this.strategy = strategy;
        this.specs = specs;
        this.alwaysPartial = alwaysPartial;
    }

    /**
     * The search for a command: {@code name} is its full lower-case name ({@code "object|encoding"}),
     * {@code keySpecs} its Redis 7 specs (empty from an older server, whose legacy {@code firstKey},
     * {@code lastKey} and {@code step} are used instead).
     */
    static KeySearch of(String name, List<KeySpec> keySpecs, int firstKey, int lastKey, int step, boolean movableKeys) {
        switch (name) {
            case "sort":
                return new KeySearch(Strategy.SORT, new CompiledSpec[0], false);
            case "sort_ro":
                return new KeySearch(Strategy.SORT_RO, new CompiledSpec[0], false);
            case "migrate":
                return new KeySearch(Strategy.MIGRATE, new CompiledSpec[0], false);
            default:
                break;
        }
        List<CompiledSpec> compiled = new ArrayList<>();
        if (!keySpecs.isEmpty()) {
            for (KeySpec spec : keySpecs) {
                // Shard channels are not keys; COMMAND GETKEYS leaves them out too.
                if (!spec.isNotKey()) {
                    compiled.add(new CompiledSpec(spec));
                }
            }
            return new KeySearch(Strategy.SPECS, compiled.toArray(new CompiledSpec[0]), false);
        }
        if (firstKey > 0) {
            // A pre-7 server: the legacy triple is an index spec with a range; lastKey is absolute there.
            int relativeLast = lastKey >= 0 ? lastKey - firstKey : lastKey;
            compiled.add(new CompiledSpec(
                    KeySpec.of(Set.of(), new BeginSearch.Index(firstKey), new FindKeys.Range(relativeLast, step, 0))));
        }
        return new KeySearch(Strategy.SPECS, compiled.toArray(new CompiledSpec[0]), movableKeys);
    }

    /** True when no invocation of the command has keys (no spec that locates keys, no fallback). */
    boolean locatesNoKeys() {
        return strategy == Strategy.SPECS && specs.length == 0 && !alwaysPartial;
    }

    /** Fills {@code out} with the keys of {@code command}; allocates nothing unless {@code out} must grow. */
    void find(CommandMessage command, KeyPositions out) {
        out.reset();
        switch (strategy) {
            case SPECS -> findBySpecs(command, out);
            case SORT -> findSortKeys(command, out, true);
            case SORT_RO -> findSortKeys(command, out, false);
            case MIGRATE -> findMigrateKeys(command, out);
            case NONE -> out.partial();
        }
    }

    private void findBySpecs(CommandMessage command, KeyPositions out) {
        int argc = command.argCount();
        for (CompiledSpec spec : specs) {
            if (!spec.usable) {
                out.partial();
                continue;
            }
            long first = spec.firstKey(command, argc);
            if (first == CompiledSpec.KEYWORD_ABSENT) {
                continue;
            }
            long last;
            int step;
            if (spec.keyNum) {
                long keyNumIndex = first + spec.keyNumIndex;
                if (keyNumIndex < 1 || keyNumIndex >= argc) {
                    out.malformed();
                    return;
                }
                long numKeys = parseCount(command.arg((int) keyNumIndex));
                if (numKeys < 0) {
                    out.malformed();
                    return;
                }
                if (numKeys == 0) {
                    // EVAL script 0: no keys, and a valid call. (Redis flags the spec invalid and then
                    // finds no keys through its fallback: the same result for every valid command.)
                    continue;
                }
                first += spec.firstKeyOffset;
                last = first + numKeys - 1;
                step = spec.keyStep;
            } else {
                step = spec.keyStep;
                if (spec.lastKey >= 0) {
                    last = first + spec.lastKey;
                } else if (spec.limit <= 1) {
                    last = argc + spec.lastKey;
                } else {
                    last = first + ((argc - first) / spec.limit + spec.lastKey);
                }
            }
            if (first < 1 || first >= argc || last >= argc || last < first) {
                // As in Redis: the arguments do not fit the spec, which means a syntax error.
                out.malformed();
                return;
            }
            for (long i = first; i <= last; i += step) {
                out.add((int) i, spec.spec);
            }
            if (spec.incomplete) {
                out.partial();
            }
        }
        if (alwaysPartial) {
            out.partial();
        }
    }

    /** Redis's sortGetKeys: options are skipped by their argument count, and the last STORE wins. */
    private static void findSortKeys(CommandMessage command, KeyPositions out, boolean store) {
        int argc = command.argCount();
        if (argc < 2) {
            out.malformed();
            return;
        }
        out.add(1, SORT_KEY);
        int storeKey = -1;
        boolean patterns = false;
        for (int i = 2; i < argc; i++) {
            if (command.argEqualsIgnoreCase(i, LIMIT)) {
                i += 2;
            } else if (store && command.argEqualsIgnoreCase(i, STORE) && i + 1 < argc) {
                storeKey = i + 1;
            } else if (command.argEqualsIgnoreCase(i, GET) || command.argEqualsIgnoreCase(i, BY)) {
                patterns = true;
                i += 1;
            }
        }
        if (storeKey > 0) {
            out.add(storeKey, SORT_STORE);
        }
        if (patterns) {
            // BY and GET read keys named by the sorted values; no parser can know them in advance.
            out.partial();
        }
    }

    /** Redis's migrateGetKeys: argument 3, or with an empty argument 3, every argument after KEYS. */
    private static void findMigrateKeys(CommandMessage command, KeyPositions out) {
        int argc = command.argCount();
        if (argc < 6) {
            out.malformed();
            return;
        }
        int first = 3;
        int count = 1;
        for (int i = 6; i < argc; i++) {
            if (command.argEqualsIgnoreCase(i, KEYS)) {
                if (command.arg(3).isReadable()) {
                    // Redis refuses KEYS with a non-empty key argument.
                    out.malformed();
                    return;
                }
                first = i + 1;
                count = argc - first;
                break;
            }
            if (command.argEqualsIgnoreCase(i, AUTH)) {
                i += 1;
            } else if (command.argEqualsIgnoreCase(i, AUTH2)) {
                i += 2;
            }
        }
        for (int i = first; i < first + count; i++) {
            out.add(i, MIGRATE_KEY);
        }
    }

    /**
     * Parses a key count as Redis's {@code string2ll} does (digits, no sign, no leading zero), or
     * returns -1. Counts that cannot fit in an int are -1 too: no command has that many arguments.
     */
    static long parseCount(ByteBuf arg) {
        int length = arg.readableBytes();
        if (length == 0 || length > MAX_COUNT_DIGITS) {
            return -1;
        }
        int base = arg.readerIndex();
        if (arg.getByte(base) == '0') {
            return length == 1 ? 0 : -1;
        }
        long value = 0;
        for (int i = 0; i < length; i++) {
            int digit = arg.getByte(base + i) - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            value = value * 10 + digit;
        }
        return value <= Integer.MAX_VALUE ? value : -1;
    }

    private static FindKeys.Range range(int lastKey) {
        return new FindKeys.Range(lastKey, 1, 0);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** A key spec flattened into fields for the search loop; the keyword is kept as bytes. */
    private static final class CompiledSpec {
        static final long KEYWORD_ABSENT = -1;

        final KeySpec spec;
        final boolean usable;
        final boolean incomplete;
        final int index;
        final byte[] keyword;
        final int startFrom;
        final boolean keyNum;
        final int lastKey;
        final int keyStep;
        final int limit;
        final int keyNumIndex;
        final int firstKeyOffset;

        CompiledSpec(KeySpec spec) {
            this.spec = spec;
            this.incomplete = spec.has(KeySpecFlag.INCOMPLETE);
            boolean valid = true;
            if (spec.beginSearch() instanceof BeginSearch.Index index) {
                this.index = index.index();
                this.keyword = null;
                this.startFrom = 0;
                valid = index.index() >= 1;
            } else if (spec.beginSearch() instanceof BeginSearch.Keyword keyword) {
                this.index = 0;
                this.keyword = keyword.keyword().getBytes(StandardCharsets.UTF_8);
                this.startFrom = keyword.startFrom();
                // Redis treats 0 as a backwards search from past the end, which finds nothing.
                valid = keyword.startFrom() != 0;
            } else {
                this.index = 0;
                this.keyword = null;
                this.startFrom = 0;
                valid = false;
            }
            if (spec.findKeys() instanceof FindKeys.Range range) {
                this.keyNum = false;
                this.lastKey = range.lastKey();
                this.keyStep = range.keyStep();
                this.limit = range.limit();
                this.keyNumIndex = 0;
                this.firstKeyOffset = 0;
                valid &= range.keyStep() >= 1 && range.limit() >= 0;
            } else if (spec.findKeys() instanceof FindKeys.KeyNum keyNum) {
                this.keyNum = true;
                this.lastKey = 0;
                this.keyStep = keyNum.keyStep();
                this.limit = 0;
                this.keyNumIndex = keyNum.keyNumIndex();
                this.firstKeyOffset = keyNum.firstKey();
                valid &= keyNum.keyStep() >= 1 && keyNum.keyNumIndex() >= 0 && keyNum.firstKey() >= 0;
            } else {
                this.keyNum = false;
                this.lastKey = 0;
                this.keyStep = 1;
                this.limit = 0;
                this.keyNumIndex = 0;
                this.firstKeyOffset = 0;
                valid = false;
            }
            // A zero step would never end; such a spec (only a broken server sends one) is skipped.
            this.usable = valid;
        }

        /** The index of the first key, or {@link #KEYWORD_ABSENT} when the keyword is not there. */
        long firstKey(CommandMessage command, int argc) {
            if (keyword == null) {
                return index;
            }
            if (startFrom > 0) {
                // Forwards; a keyword in the last argument would have no key after it.
                for (int i = startFrom; i < argc - 1; i++) {
                    if (command.argEqualsIgnoreCase(i, keyword)) {
                        return i + 1;
                    }
                }
            } else {
                // Backwards from argc + startFrom, down to argument 2.
                for (int i = argc + startFrom; i > 1; i--) {
                    if (command.argEqualsIgnoreCase(i, keyword)) {
                        return i + 1;
                    }
                }
            }
            return KEYWORD_ABSENT;
        }
    }
}
