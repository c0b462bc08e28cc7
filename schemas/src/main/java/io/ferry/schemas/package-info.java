/**
 * The data contract between Ferry's processes: the Avro records of every Kafka topic (generated from {@code
 * src/main/avro}), the topics themselves ({@link io.ferry.schemas.Topic}, {@link io.ferry.schemas.TopicRegistry},
 * {@link io.ferry.schemas.TopicBootstrap}), and the serdes that read and write them ({@link
 * io.ferry.schemas.TypedTopic}, {@link io.ferry.schemas.AvroSerde}).
 *
 * <p>The Avro enums here are the single source of truth for Ferry's policies and modes ({@link
 * io.ferry.schemas.ReadMode}, {@link io.ferry.schemas.WritePolicy}, {@link io.ferry.schemas.ConflictPolicy}, {@link
 * io.ferry.schemas.Strategy}, {@link io.ferry.schemas.Phase}); other modules use them rather than declaring their own.
 *
 * <p>Changing a schema: keep it readable by the previous release (add fields with defaults, never remove enum
 * symbols or change types), then add it to the history as the next version; {@code SchemaHistoryTest} checks both.
 */
package io.ferry.schemas;
