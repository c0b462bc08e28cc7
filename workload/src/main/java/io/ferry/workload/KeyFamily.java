package io.ferry.workload;

/**
 * The kinds of workload key, each always written with its own commands so no write meets the wrong type. A key's
 * family is in its name: {@code prefix:connection:tag:n}.
 */
enum KeyFamily {
    TEXT("str"),
    COUNTER("ctr"),
    HASH("hash"),
    LIST("list"),
    SET("set"),
    ZSET("zset"),
    STREAM("stream");

    private static final KeyFamily[] ALL = values();

    final String tag;

    KeyFamily(String tag) {
        this.tag = tag;
    }

    /** The family of key number {@code n}: the families take turns. */
    static KeyFamily of(int n) {
        return ALL[n % ALL.length];
    }
}
