package io.ferry.control.config;

/**
 * One parameter compared between source and target.
 *
 * @param parameter what is carried
 * @param targetName the name the target knows it by (its alias on an older target)
 * @param sourceValue the source's value; null when the source does not know the parameter
 * @param targetValue the target's value; null when the target does not know it or cannot be read
 * @param status what replication would do
 */
public record ConfigProposal(
        CarriedParameter parameter, String targetName, String sourceValue, String targetValue, Status status) {
    public enum Status {
        /** Different on the target: proposed. */
        CHANGE,
        /** Already the same. */
        SAME,
        /** The source does not have it (an older or different server): nothing to carry. */
        NOT_ON_SOURCE,
        /** The target does not know the parameter: it cannot be carried. */
        NOT_ON_TARGET,
        /** The target's CONFIG cannot be read (a managed service): proposed, but may be refused. */
        TARGET_UNREADABLE
    }

    public String name() {
        return parameter.name();
    }

    /** True when applying it would change something (or might: an unreadable target). */
    public boolean proposed() {
        return status == Status.CHANGE || status == Status.TARGET_UNREADABLE;
    }
}
