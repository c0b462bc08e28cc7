package io.ferry.control.compat;

import java.util.List;

/** One compatibility check: looks at both servers and the plan, returns what it found (empty: nothing to say). */
public interface CompatibilityCheck {
    /** Short stable id, e.g. {@code dump-payload}, carried by every finding of the check. */
    String id();

    List<Finding> run(CheckContext context);
}
