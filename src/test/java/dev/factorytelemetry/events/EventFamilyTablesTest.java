package dev.factorytelemetry.events;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The description of every event family is consistent on its own (no database needed): the insert has
 * exactly one array parameter per declared column type, in order, and a logged family's time column is
 * a timestamp. A new family that gets this wrong fails here rather than at its first request.
 */
class EventFamilyTablesTest {

    private static final Pattern PARAMETER = Pattern.compile("\\$(\\d+)::(\\w+)\\[]");

    private static List<EventFamily<?, ?>> families() {
        return List.of(new OeeEvents(), new EnergyEvents(), new KpiEvents(), new DowntimeEvents(null),
                new QualityEvents(), new FaultEvents(null));
    }

    @Test
    void insertParametersMatchTheDeclaredColumns() {
        for (EventFamily<?, ?> family : families()) {
            EventFamily.Table table = family.table();
            String name = family.getClass().getSimpleName();
            Set<Integer> numbers = new TreeSet<>();
            Matcher m = PARAMETER.matcher(table.insertSql());
            while (m.find()) {
                int n = Integer.parseInt(m.group(1));
                numbers.add(n);
                Class<?> declared = table.columnTypes().get(n - 1);
                assertEquals(sqlType(declared), m.group(2), name + ": type of $" + n);
            }
            assertEquals(table.columnTypes().size(), numbers.size(), name + ": parameters vs declared columns");
            assertEquals(numbers.size(), numbers.stream().mapToInt(Integer::intValue).max().orElse(0), name + ": $1..$n without gaps");
            if (table.invalidationSource() != null) {
                assertEquals(java.time.OffsetDateTime.class, table.columnTypes().get(table.timeColumn()), name + ": time column");
                assertTrue(table.insertSql().contains("factory_telemetry." + table.invalidationSource() + "\n"),
                        name + ": invalidation source is the table written");
            }
            if (family.clientIds() != null) {
                assertEquals(java.util.UUID.class, table.columnTypes().get(0), name + ": client ids are parameter 1");
                assertNotNull(table.invalidationSource(), name + ": families with client ids are checked in a transaction");
            }
        }
    }

    private static String sqlType(Class<?> type) {
        return switch (type.getSimpleName()) {
            case "Integer" -> "int4";
            case "Short" -> "int2";
            case "Long" -> "int8";
            case "Double" -> "float8";
            case "OffsetDateTime" -> "timestamptz";
            case "LocalDate" -> "date";
            case "UUID" -> "uuid";
            case "String" -> "text";
            default -> type.getName();
        };
    }
}
