package io.ferry.capture;

/** One followed connection: its two byte streams and its conversation. The capture's thread owns it. */
final class Flow {
    final FlowKey key;
    final TcpStream toServer;
    final TcpStream toClient;
    final RespPairer conversation;
    /** The client's initial sequence number, to tell a new connection on the same ports; -1 if unknown. */
    final long clientIsn;

    long lastSeenNanos;
    /** Bytes this flow counted towards the capture's total at its last check. */
    long accountedBytes;

    Flow(FlowKey key, CaptureCounters counters, RespPairer conversation, long clientIsn) {
        this.key = key;
        this.toServer = new TcpStream(counters);
        this.toClient = new TcpStream(counters);
        this.conversation = conversation;
        this.clientIsn = clientIsn;
    }

    long bufferedBytes() {
        return toServer.bufferedBytes() + toClient.bufferedBytes() + conversation.bufferedBytes();
    }

    /** The end: what waits is delivered (after gaps), then the commands still waiting are published. */
    void close() {
        toServer.flush(conversation.fromClient);
        toClient.flush(conversation.fromServer);
        conversation.close();
    }

    /** Lets go of what the flow holds; it goes on from its next bytes. */
    void shed() {
        toServer.discard();
        toClient.discard();
        conversation.shed();
    }
}
