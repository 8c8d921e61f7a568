package dev.jcri.sandbox;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A JFR event at each {@link CrashPoint.Step} an operation passes: with JFR recording (see docs/performance.md),
 * the gaps between the steps of one object say where an RPC spends its time. Costs a disabled-event check
 * otherwise.
 */
@Name("dev.jcri.Step")
@Label("jcri step")
@Category("jcri")
@Description("An operation passed one of its crash-safe steps")
@StackTrace(false)
final class StepEvent extends Event {
    @Label("Step")
    String step;

    static void mark(CrashPoint.Step step) {
        StepEvent event = new StepEvent();
        if (event.isEnabled()) {
            event.step = step.stepName();
            event.commit();
        }
    }
}
