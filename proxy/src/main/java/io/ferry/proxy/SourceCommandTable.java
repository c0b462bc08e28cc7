package io.ferry.proxy;

import io.ferry.resp.CommandMessage;
import io.ferry.resp.ErrorMessage;
import io.ferry.resp.RespMessage;
import io.ferry.resp.command.CommandTable;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads the source's own command table at start-up ({@code COMMAND} and {@code COMMAND DOCS}) and
 * completes it with the bundled Redis 7 table; when the source does not answer, the bundled table
 * alone. Called once, off the event loops.
 *
 * @param table the command table
 * @param fromSource true when read from the source, so that what it lacks the source lacks
 */
record SourceCommandTable(CommandTable table, boolean fromSource) {
    private static final Logger log = LoggerFactory.getLogger(SourceCommandTable.class);

    static SourceCommandTable bundled() {
        return new SourceCommandTable(CommandTable.bundled(), false);
    }

    static SourceCommandTable load(Backend source, EventLoop loop, Duration timeout) {
        Collector collector = new Collector();
        ChannelFuture connect = source.connect(loop, collector);
        Channel channel = connect.channel();
        try {
            if (!connect.await(timeout.toMillis(), TimeUnit.MILLISECONDS) || !connect.isSuccess()) {
                log.warn(
                        "using the bundled Redis {} command table: cannot reach the source {}: {}",
                        CommandTable.BUNDLED_VERSION,
                        source.uri(),
                        ClientCommands.reason(connect.cause()));
                return bundled();
            }
            List<CommandMessage> commands = new ArrayList<>(source.handshake());
            collector.skip = commands.size();
            commands.add(CommandMessage.of("COMMAND"));
            commands.add(CommandMessage.of("COMMAND", "DOCS"));
            for (CommandMessage command : commands) {
                channel.write(command, channel.voidPromise());
            }
            channel.flush();
            List<RespMessage> replies = collector.replies.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            try {
                if (replies.get(0) instanceof ErrorMessage || replies.get(1) instanceof ErrorMessage) {
                    log.warn(
                            "using the bundled Redis {} command table: the source refused COMMAND: {}",
                            CommandTable.BUNDLED_VERSION,
                            replies.get(0) instanceof ErrorMessage e
                                    ? e.text()
                                    : ((ErrorMessage) replies.get(1)).text());
                    return bundled();
                }
                CommandTable table = CommandTable.fromSource(replies.get(0), replies.get(1));
                log.info("command table read from the source {}: {} commands", source.uri(), table.size());
                return new SourceCommandTable(table, true);
            } finally {
                replies.forEach(ReferenceCountUtil::release);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return bundled();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            if (e instanceof TimeoutException && !collector.replies.cancel(false)) {
                // Both replies arrived just after the timeout: they are ours to release.
                collector.replies.thenAccept(late -> late.forEach(ReferenceCountUtil::release));
            }
            log.warn(
                    "using the bundled Redis {} command table: the source's could not be read: {}",
                    CommandTable.BUNDLED_VERSION,
                    e instanceof ExecutionException ? ClientCommands.reason(e.getCause()) : ClientCommands.reason(e));
            return bundled();
        } finally {
            channel.close();
        }
    }

    /** Collects the two replies after skipping the handshake's. On the event loop. */
    private static final class Collector implements Backend.Listener {
        final CompletableFuture<List<RespMessage>> replies = new CompletableFuture<>();
        private final List<RespMessage> received = new ArrayList<>(2);
        volatile int skip;

        @Override
        public void onReply(RespMessage reply) {
            if (skip > 0) {
                skip--;
                boolean refused = reply instanceof ErrorMessage;
                String text = refused ? ((ErrorMessage) reply).text() : null;
                ReferenceCountUtil.release(reply);
                if (refused) {
                    replies.completeExceptionally(new IllegalStateException("handshake refused: " + text));
                }
                return;
            }
            if (replies.isDone()) {
                ReferenceCountUtil.release(reply);
                return;
            }
            received.add(reply);
            if (received.size() == 2) {
                replies.complete(List.copyOf(received));
            }
        }

        @Override
        public void onReadComplete() {}

        @Override
        public void onWritabilityChanged(boolean writable) {}

        @Override
        public void onInactive() {
            if (!replies.isDone()) {
                received.forEach(ReferenceCountUtil::release);
                replies.completeExceptionally(new IllegalStateException("the source closed the connection"));
            }
        }

        @Override
        public void onFailure(Throwable cause) {
            if (!replies.isDone()) {
                received.forEach(ReferenceCountUtil::release);
                replies.completeExceptionally(cause);
            }
        }
    }
}
