package io.ferry.testkit;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A Kafka broker in a container, for machines with a Docker engine that ask for it with {@code
 * FERRY_TEST_KAFKA=testcontainers}. The image is {@code FERRY_TEST_KAFKA_IMAGE}, default {@value
 * #DEFAULT_IMAGE}.
 */
final class ContainerBroker implements TestKafka.KafkaBroker {
    static final String DEFAULT_IMAGE = "apache/kafka:4.1.0";

    private KafkaContainer container;

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void start() {
        String image = System.getenv().getOrDefault("FERRY_TEST_KAFKA_IMAGE", DEFAULT_IMAGE);
        container = new KafkaContainer(image);
        container.start();
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public void suspend() {
        container
                .getDockerClient()
                .pauseContainerCmd(container.getContainerId())
                .exec();
    }

    @Override
    public void resume() {
        container
                .getDockerClient()
                .unpauseContainerCmd(container.getContainerId())
                .exec();
    }

    @Override
    public void close() {
        if (container != null) {
            container.stop();
            container = null;
        }
    }
}
