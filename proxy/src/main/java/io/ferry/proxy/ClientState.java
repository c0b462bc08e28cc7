package io.ferry.proxy;

import io.ferry.resp.CommandMessage;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.List;

import static io.ferry.proxy.ClientCommands.*;

/**
 * What one client set on its connection, as the proxy tracks it: the state that pins it to one side
 * (a transaction, WATCH, subscriptions, MONITOR), and what is replayed on each connection it opens
 * later (database, protocol, name). Confined to the client's event loop.
 */
final class ClientState {
    /** The side holding the client's connection state, which all its commands go to; null when none. */
    Lane pinned;

    boolean inMulti;
    boolean watching;
    boolean subscribing;
    /** The client has Pub/Sub subscriptions: a side sends messages no request asked for. */
    boolean subscribed;
    /** The client sent a (un)subscribe command: look out for subscription frames among replies. */
    boolean pubSubUsed;
    /** MONITOR: from now on everything the side sends is passed on as it comes. */
    boolean monitoring;

    /** The database the client selected and the protocol it chose, replayed on its new connections. */
    int db;

    int protocol = 2;
    /** The protocol a HELLO with AUTH in flight asked for. */
    int helloAuthProtocol = 2;

    byte[] clientName;
    byte[] libName;
    byte[] libVersion;

    // What a command does to the connection state that pins a client to a side.
    static final int NO_EFFECT = 0;
    static final int STARTS_MULTI = 1;
    static final int STARTS_WATCH = 2;
    static final int SUBSCRIBES = 3;
    static final int MONITORS = 4;
    static final int ENDS_TRANSACTION = 5;
    static final int UNWATCHES = 6;
    static final int RESETS = 7;

    /** What {@code command} does to the state that pins a client; read before it is sent (and released). */
    static int effectOf(CommandMessage command) {
        if (command.nameEquals(MULTI)) {
            return STARTS_MULTI;
        } else if (command.nameEquals(WATCH)) {
            return STARTS_WATCH;
        } else if (isSubscription(command)) {
            return SUBSCRIBES;
        } else if (command.nameEquals(MONITOR)) {
            return MONITORS;
        } else if (command.nameEquals(EXEC) || command.nameEquals(DISCARD)) {
            return ENDS_TRANSACTION;
        } else if (command.nameEquals(UNWATCH)) {
            return UNWATCHES;
        } else if (command.nameEquals(RESET)) {
            return RESETS;
        }
        return NO_EFFECT;
    }

    /** Applies {@code effect} of a command just sent to {@code lane}. */
    void apply(int effect, Lane lane) {
        switch (effect) {
            case STARTS_MULTI -> inMulti = true;
            case STARTS_WATCH -> watching = true;
            case SUBSCRIBES -> subscribing = true;
            case ENDS_TRANSACTION -> {
                inMulti = false;
                watching = false;
            }
            case UNWATCHES -> watching &= inMulti;
            case RESETS -> {
                inMulti = false;
                watching = false;
                subscribing = false;
                subscribed = false;
                monitoring = false;
            }
            default -> {}
        }
        if (effect == STARTS_MULTI || effect == STARTS_WATCH || effect == SUBSCRIBES || effect == MONITORS) {
            pinned = lane;
        }
    }

    void unpinIfStateless() {
        if (!inMulti && !watching && !subscribing && !subscribed && !monitoring) {
            pinned = null;
        }
    }

    /** The commands that give a new connection the client's state; its default database is {@code defaultDb}. */
    List<CommandMessage> replay(int defaultDb) {
        List<CommandMessage> commands = new ArrayList<>(4);
        if (protocol != 2) {
            commands.add(CommandMessage.of("HELLO", Integer.toString(protocol)));
        }
        if (db != defaultDb) {
            commands.add(CommandMessage.of("SELECT", Integer.toString(db)));
        }
        if (clientName != null && clientName.length > 0) {
            commands.add(CommandMessage.of(wrap(CLIENT), wrap(SETNAME), wrap(clientName)));
        }
        if (libName != null) {
            commands.add(CommandMessage.of(wrap(CLIENT), wrap(SETINFO), wrap(LIB_NAME), wrap(libName)));
        }
        if (libVersion != null) {
            commands.add(CommandMessage.of(wrap(CLIENT), wrap(SETINFO), wrap(LIB_VER), wrap(libVersion)));
        }
        return commands;
    }

    /** RESET: back to a fresh connection's state. */
    void reset(int defaultDb) {
        subscribed = false;
        subscribing = false;
        monitoring = false;
        inMulti = false;
        watching = false;
        pinned = null;
        clientName = null;
        db = defaultDb;
        protocol = 2;
    }

    /** CLIENT SETNAME or CLIENT SETINFO answered by the proxy. */
    /** Keeps the name a HELLO's SETNAME option gives. */
    void rememberName(io.netty.buffer.ByteBuf name) {
        clientName = ByteBufUtil.getBytes(name);
    }

    void remember(CommandMessage command) {
        if (command.argCount() == 3) {
            clientName = ByteBufUtil.getBytes(command.arg(2));
        } else if (command.argEqualsIgnoreCase(2, LIB_NAME)) {
            libName = ByteBufUtil.getBytes(command.arg(3));
        } else {
            libVersion = ByteBufUtil.getBytes(command.arg(3));
        }
    }

    private static io.netty.buffer.ByteBuf wrap(byte[] bytes) {
        return Unpooled.wrappedBuffer(bytes);
    }
}
