package dev.factorytelemetry.ingest;

/** The type of a metric's values ({@code metric_def.value_type}); each maps to one column of metric_hist. */
public enum ValueType {
    REAL, INT, BOOL, TEXT
}
