package dev.factorytelemetry.ingest;

import dev.factorytelemetry.support.LocalTimescale;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Skips a test class, with the reason, where the TimescaleDB Community edition is not installed (before Quarkus starts). */
public class CommunityEditionAvailable implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String reason = LocalTimescale.communityUnavailableReason();
        return reason == null ? ConditionEvaluationResult.enabled("Community edition available")
                : ConditionEvaluationResult.disabled(reason);
    }
}
