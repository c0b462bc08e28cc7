package io.ferry.schemas;

import java.util.List;

/**
 * Ferry's topics could not be made ready: Kafka was unreachable, refused to create a topic, or an existing topic is
 * set up in a way Ferry cannot work with. The message names every topic and problem at once.
 */
public final class TopicBootstrapException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    TopicBootstrapException(List<String> problems, Throwable cause) {
        super(
                problems.size() == 1
                        ? problems.get(0)
                        : problems.size() + " problems with Ferry's Kafka topics:\n  - "
                                + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
        if (cause != null) {
            initCause(cause);
        }
    }

    /** One line per problem, each naming its topic. */
    public List<String> problems() {
        return problems;
    }
}
