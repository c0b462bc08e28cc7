package io.ferry.resp;

import io.ferry.resp.RespCorpus.Case;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.ferry.resp.RespTestChannel.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random input: garbage and damaged frames only ever yield protocol errors and never leak;
 * random messages of every type survive encoding, random cuts and decoding.
 */
class RespDecoderFuzzTest {

    /** Bytes that mean something in RESP, so random input reaches deep into the decoder. */
    private static final byte[] ALPHABET = bytes("+-:$*_#,(!=%~|>;.?\r\n\r\n0123456789-1tfx \"'\\");

    @Test
    void randomBytesYieldOnlyProtocolErrors() {
        Random random = new Random(1);
        for (int round = 0; round < 3000; round++) {
            byte[] wire = new byte[random.nextInt(64)];
            for (int i = 0; i < wire.length; i++) {
                wire[i] =
                        random.nextInt(8) == 0 ? (byte) random.nextInt(256) : ALPHABET[random.nextInt(ALPHABET.length)];
            }
            for (RespDecoder.Mode mode : RespDecoder.Mode.values()) {
                feedExpectingAtMostAProtocolError(mode, wire, random);
            }
        }
    }

    @Test
    void damagedFramesYieldOnlyProtocolErrors() {
        Random random = new Random(2);
        List<Case> corpus = new ArrayList<>(RespCorpus.replies());
        corpus.addAll(RespCorpus.requests());
        for (int round = 0; round < 3000; round++) {
            byte[] wire = bytes(corpus.get(random.nextInt(corpus.size())).wire());
            ByteArrayOutputStream damaged = new ByteArrayOutputStream();
            int at = random.nextInt(wire.length);
            switch (random.nextInt(3)) {
                case 0 -> { // replace a byte
                    damaged.writeBytes(wire);
                    byte[] bytes = damaged.toByteArray();
                    bytes[at] = ALPHABET[random.nextInt(ALPHABET.length)];
                    damaged.reset();
                    damaged.writeBytes(bytes);
                }
                case 1 -> { // drop a byte
                    damaged.write(wire, 0, at);
                    damaged.write(wire, at + 1, wire.length - at - 1);
                }
                default -> { // insert a byte
                    damaged.write(wire, 0, at);
                    damaged.write(ALPHABET[random.nextInt(ALPHABET.length)]);
                    damaged.write(wire, at, wire.length - at);
                }
            }
            for (RespDecoder.Mode mode : RespDecoder.Mode.values()) {
                feedExpectingAtMostAProtocolError(mode, damaged.toByteArray(), random);
            }
        }
    }

    private static void feedExpectingAtMostAProtocolError(RespDecoder.Mode mode, byte[] wire, Random random) {
        try (RespTestChannel channel = RespTestChannel.of(mode)) {
            int[] cuts = wire.length < 2
                    ? new int[0]
                    : random.ints(random.nextInt(4), 1, wire.length).sorted().toArray();
            try {
                channel.feedSplit(wire, cuts);
            } catch (RespProtocolException expected) {
                assertThat(channel.decoder().failed()).isTrue();
            }
            RespTestChannel.release(channel.drain());
        }
    }

    @Test
    void randomRepliesRoundTripThroughRandomCuts() {
        Random random = new Random(3);
        for (int round = 0; round < 500; round++) {
            List<RespMessage> originals = new ArrayList<>();
            for (int i = 1 + random.nextInt(4); i > 0; i--) {
                originals.add(randomReply(random, 0));
            }
            assertRoundTrip(RespDecoder.Mode.REPLIES, originals, random);
        }
    }

    @Test
    void randomCommandsRoundTripThroughRandomCuts() {
        Random random = new Random(4);
        for (int round = 0; round < 500; round++) {
            List<RespMessage> originals = new ArrayList<>();
            for (int i = 1 + random.nextInt(4); i > 0; i--) {
                ByteBuf[] args = new ByteBuf[1 + random.nextInt(5)];
                for (int a = 0; a < args.length; a++) {
                    args[a] = Unpooled.wrappedBuffer(randomBytes(random, random.nextInt(10) == 0 ? 3000 : 20));
                }
                originals.add(CommandMessage.of(args));
            }
            assertRoundTrip(RespDecoder.Mode.REQUESTS, originals, random);
        }
    }

    private static void assertRoundTrip(RespDecoder.Mode mode, List<RespMessage> originals, Random random) {
        try (RespTestChannel channel = RespTestChannel.of(mode)) {
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            for (RespMessage original : originals) {
                ByteBuf encoded = RespEncoder.encode(channel.alloc(), original);
                wire.writeBytes(ByteBufUtil.getBytes(encoded));
                encoded.release();
            }
            byte[] bytes = wire.toByteArray();
            int[] cuts =
                    random.ints(random.nextInt(10), 1, bytes.length).sorted().toArray();
            List<RespMessage> decoded = channel.feedSplit(bytes, cuts).drain();
            try {
                assertThat(decoded).containsExactlyElementsOf(originals);
            } finally {
                RespTestChannel.release(decoded);
            }
        } finally {
            RespTestChannel.release(originals);
        }
    }

    private static RespMessage randomReply(Random random, int depth) {
        int kinds = depth >= 4 ? 11 : 17;
        return switch (random.nextInt(kinds)) {
            case 0 -> SimpleStringMessage.of(randomLine(random));
            case 1 -> ErrorMessage.of("ERR " + randomLine(random));
            case 2 -> IntegerMessage.of(random.nextBoolean() ? random.nextLong() : random.nextInt(100));
            case 3 ->
                new BulkStringMessage(Unpooled.wrappedBuffer(randomBytes(random, random.nextInt(8) == 0 ? 5000 : 30)));
            case 4 -> NullMessage.values()[random.nextInt(3)];
            case 5 -> BooleanMessage.of(random.nextBoolean());
            case 6 -> DoubleMessage.of(random.nextInt(10) == 0 ? Double.NaN : random.nextGaussian() * 1e6);
            case 7 ->
                new BigNumberMessage((random.nextBoolean() ? "-" : "") + Math.abs(random.nextLong()) + "123456789");
            case 8 -> new BulkErrorMessage(Unpooled.wrappedBuffer(randomBytes(random, 40)));
            case 9 ->
                new VerbatimStringMessage(
                        random.nextBoolean() ? "txt" : "mkd", Unpooled.wrappedBuffer(randomBytes(random, 40)));
            case 10 -> SimpleStringMessage.OK;
            case 11 -> ArrayMessage.of(randomReplies(random, depth, 1));
            case 12 -> SetMessage.of(randomReplies(random, depth, 1));
            case 13 -> PushMessage.of(randomReplies(random, depth, 1));
            case 14, 15 -> MapMessage.of(randomReplies(random, depth, 2));
            default -> {
                RespMessage value;
                do { // an attribute on an attribute would decode as one joined attribute
                    value = randomReply(random, depth + 1);
                    if (value instanceof AttributeMessage nested) {
                        nested.release();
                        value = null;
                    }
                } while (value == null);
                yield new AttributeMessage(MapMessage.of(randomReplies(random, depth, 2)), value);
            }
        };
    }

    private static List<RespMessage> randomReplies(Random random, int depth, int multiple) {
        List<RespMessage> elements = new ArrayList<>();
        for (int i = random.nextInt(4) * multiple; i > 0; i--) {
            elements.add(randomReply(random, depth + 1));
        }
        return elements;
    }

    private static String randomLine(Random random) {
        StringBuilder sb = new StringBuilder();
        for (int i = random.nextInt(20); i > 0; i--) {
            sb.append((char) (' ' + random.nextInt(95)));
        }
        return sb.toString();
    }

    private static byte[] randomBytes(Random random, int maxLength) {
        byte[] bytes = new byte[random.nextInt(maxLength + 1)];
        random.nextBytes(bytes);
        return bytes;
    }
}
