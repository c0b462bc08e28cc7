/**
 * RESP2 and RESP3 on Netty: message types, a decoder, an encoder and the decoder's limits.
 *
 * <p>Pipeline: put a {@link io.ferry.resp.RespDecoder} and the shared {@link io.ferry.resp.RespEncoder}
 * on each channel. On a listening (client-facing) channel use {@link
 * io.ferry.resp.RespDecoder#forRequests(RespLimits)}, which yields {@link io.ferry.resp.CommandMessage}s
 * and accepts inline commands as Redis does; on a channel to a Redis server use {@link
 * io.ferry.resp.RespDecoder#forReplies(RespLimits)}, which yields any {@link io.ferry.resp.RespMessage}.
 *
 * <p>Ownership: a decoded message is owned by whoever receives it and must be released exactly once
 * with {@link io.netty.util.ReferenceCountUtil#release(Object)} (a no-op for the value types that hold
 * no buffer, and for the shared constants). Releasing an aggregate releases its children. Writing a
 * message to a channel hands it to the encoder, which releases it. To send one decoded message to
 * two peers, {@code retain()} it once more before the second write.
 *
 * <p>Payloads are slices of the decoder's input buffer, not copies: a retained payload keeps that
 * input buffer alive, so do not hold decoded messages longer than needed.
 *
 * <p>What a decoded command is (read, write, blocking, ...) and where its keys are is the command
 * table's to say: see {@link io.ferry.resp.command.CommandTable}.
 */
package io.ferry.resp;
