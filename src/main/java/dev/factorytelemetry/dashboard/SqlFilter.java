package dev.factorytelemetry.dashboard;

import io.vertx.mutiny.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * Conditions on fixed column names whose values are bound as parameters, numbered after the query's own leading
 * parameters. Column names come from code only; values never become SQL text.
 */
final class SqlFilter {

    private final int firstParameter;
    private final List<String> conditions = new ArrayList<>();
    private final List<Object> values = new ArrayList<>();

    SqlFilter(int leadingParameters) {
        this.firstParameter = leadingParameters + 1;
    }

    /** Adds {@code column = $n} (or {@code column = ANY($n::type[])} for arrays) when {@code value} is not null. */
    SqlFilter equal(String column, Object value) {
        if (value != null) {
            int n = firstParameter + values.size();
            conditions.add(value instanceof Integer[] ? column + " = ANY($" + n + "::int4[])" : column + " = $" + n);
            values.add(value);
        }
        return this;
    }

    String sql() {
        return String.join(" AND ", conditions);
    }

    /** " AND cond..." or empty, for appending to a WHERE clause. */
    String andSql() {
        return conditions.isEmpty() ? "" : " AND " + sql();
    }

    Tuple bind(Object... leading) {
        Tuple tuple = Tuple.tuple();
        for (Object o : leading) {
            tuple.addValue(o);
        }
        values.forEach(tuple::addValue);
        return tuple;
    }

    /** Distinguishes cached answers and SQL variants. */
    String key() {
        return conditions + "=" + values.stream().map(v -> v instanceof Object[] a ? java.util.Arrays.toString(a) : String.valueOf(v)).toList();
    }
}
