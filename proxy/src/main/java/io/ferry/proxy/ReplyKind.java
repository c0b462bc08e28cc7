package io.ferry.proxy;

/** What the reply to an {@link Exchange} stands for, and what the session does when it comes. */
final class ReplyKind {
    /** A client command whose reply is forwarded as it is. */
    static final byte FORWARD = 0;
    /** AUTH: a success authenticates the client. */
    static final byte AUTH = 1;
    /** HELLO with AUTH: a success authenticates the client. */
    static final byte HELLO_AUTH = 2;
    /** QUIT: the client is closed once the reply is written. */
    static final byte QUIT = 3;
    /** RESET: the backends forget their authentication and database, which Ferry restores. */
    static final byte RESET = 4;
    /** Ferry's own command to a backend (AUTH, SELECT); the reply is not the client's. */
    static final byte INTERNAL = 5;
    /**
     * Ferry replaying on a client's new own connection what the client set before (its database,
     * protocol, CLIENT SETNAME and SETINFO); not the client's, and an error is only logged.
     */
    static final byte REPLAY = 6;
    /** SELECT: the database the client's later commands run in, on every side. */
    static final byte SELECT = 7;
    /** HELLO without AUTH: the protocol of the client's later replies. */
    static final byte HELLO = 8;
    /** The client's SELECT, HELLO or RESET copied to the side that does not answer it. */
    static final byte SYNC = 9;

    private ReplyKind() {}
}
