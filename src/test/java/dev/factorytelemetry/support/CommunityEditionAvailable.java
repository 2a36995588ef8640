package dev.factorytelemetry.support;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Disables a test class, with the reason shown in the test report, where the TimescaleDB Community
 * edition (TSL module) is not installed. Evaluated before Quarkus starts the class's test resources.
 */
public class CommunityEditionAvailable implements ExecutionCondition {

    private static volatile String reason;
    private static volatile boolean checked;

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (!checked) {
            reason = LocalTimescale.communityUnavailableReason();
            checked = true;
        }
        if (reason == null) {
            return ConditionEvaluationResult.enabled("TimescaleDB Community edition available");
        }
        // also on the console: surefire's summary counts skipped tests but does not say why
        System.out.println("SKIPPED " + context.getDisplayName() + ": " + reason);
        return ConditionEvaluationResult.disabled("Skipped: " + reason);
    }
}
