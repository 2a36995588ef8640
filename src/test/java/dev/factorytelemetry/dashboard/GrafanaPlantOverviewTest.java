package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.deploy.GrafanaDashboards;
import dev.factorytelemetry.support.LocalTimescale;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Grafana plant-overview panels (PostgreSQL data source) run against a migrated database of a plant in
 * Europe/Berlin (shares the application of {@link DashboardDstTest}), with their own line G1 and data on fixed dates
 * around the 2027 spring DST change, refreshed aggregates, and return the columns each panel promises.
 */
@QuarkusTest
@TestProfile(DashboardDstTest.Berlin.class)
@WithTestResource(TimescaleTestResource.class)
class GrafanaPlantOverviewTest {

    static final String FROM = "2027-03-27T00:00:00+01:00";
    static final String TO = "2027-03-30T00:00:00+02:00";

    static String sql(String query) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, query).trim();
    }

    @BeforeAll
    static void seed() {
        sql("""
                INSERT INTO factory_telemetry.production_lines (line_code, name) VALUES ('G1', 'Grafana 1') ON CONFLICT DO NOTHING;
                INSERT INTO factory_telemetry.equipment (equipment_code, name, line_id, ideal_cycle_time_s)
                SELECT 'GE1', 'Filler', id, 1.0 FROM factory_telemetry.production_lines WHERE line_code = 'G1' ON CONFLICT DO NOTHING;
                INSERT INTO factory_telemetry.fault_catalog (equipment_id, bit_index, name)
                SELECT id, 5, 'Door open' FROM factory_telemetry.equipment WHERE equipment_code = 'GE1' ON CONFLICT DO NOTHING;
                INSERT INTO factory_telemetry.oee_calculations (equipment_id, line_id, calculation_time, planned_time_s, run_time_s,
                                                                ideal_run_time_s, total_count, good_count)
                SELECT e.id, e.line_id, g, 900, 800, 700, 700, 650
                FROM factory_telemetry.equipment e, generate_series('2027-03-27 00:00+01'::timestamptz, '2027-03-29 23:45+02', interval '15 minutes') g
                WHERE e.equipment_code = 'GE1' ON CONFLICT DO NOTHING;
                INSERT INTO factory_telemetry.energy_consumption (equipment_id, line_id, consumption_time, power_consumption_kw, energy_consumption_kwh)
                SELECT e.id, e.line_id, g, 4, 1
                FROM factory_telemetry.equipment e, generate_series('2027-03-27 00:00+01'::timestamptz, '2027-03-29 23:45+02', interval '15 minutes') g
                WHERE e.equipment_code = 'GE1' ON CONFLICT DO NOTHING;
                INSERT INTO factory_telemetry.downtime_events (equipment_id, line_id, start_time, end_time, reason_code, category)
                SELECT e.id, e.line_id, '2027-03-28 00:30+01', '2027-03-28 01:10+01', 'JAM', 'unplanned'
                FROM factory_telemetry.equipment e WHERE e.equipment_code = 'GE1';
                INSERT INTO factory_telemetry.quality_checks (line_id, check_time, check_type, check_result, quantity_checked, quantity_passed, quantity_failed)
                SELECT id, '2027-03-28 10:00+02', 'final', 'pass', 100, 97, 3 FROM factory_telemetry.production_lines WHERE line_code = 'G1';
                INSERT INTO factory_telemetry.fault_event (equipment_id, line_id, bit_index, ts_on)
                SELECT e.id, e.line_id, 5, '2027-03-29 08:00+02' FROM factory_telemetry.equipment e WHERE e.equipment_code = 'GE1'
                ON CONFLICT DO NOTHING;
                """);
        DashboardTestData.refresh(TimescaleTestResource.currentCluster, TimescaleTestResource.currentDatabase);
    }

    @Test
    void everySqlPanelReturnsTheColumnsItPromises() throws Exception {
        List<GrafanaDashboards.SqlPanel> panels = GrafanaDashboards.sqlPanels();
        assertTrue(panels.size() >= 6, "SQL panels: " + panels.size());
        LocalTimescale cluster = TimescaleTestResource.currentCluster;
        try (Connection connection = DriverManager.getConnection(cluster.jdbcUrl(TimescaleTestResource.currentDatabase),
                LocalTimescale.USER, LocalTimescale.PASSWORD);
             Statement statement = connection.createStatement()) {
            for (GrafanaDashboards.SqlPanel panel : panels) {
                assertFalse(panel.columns().isEmpty(), panel.title() + ": its description names no columns");
                List<Map<String, Object>> rows = new ArrayList<>();
                List<String> columns = new ArrayList<>();
                try (ResultSet rs = statement.executeQuery(GrafanaDashboards.instantiate(panel.sql(), FROM, TO))) {
                    ResultSetMetaData meta = rs.getMetaData();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        columns.add(meta.getColumnLabel(i));
                    }
                    while (rs.next()) {
                        Map<String, Object> row = new HashMap<>();
                        for (String c : columns) {
                            row.put(c, rs.getObject(c));
                        }
                        rows.add(row);
                    }
                }
                assertEquals(panel.columns(), columns, panel.title());
                assertFalse(rows.isEmpty(), panel.title() + ": no rows");
            }
        }
    }

    @Test
    void daysAreThePlantsLocalDays() throws Exception {
        GrafanaDashboards.SqlPanel oee = panel("OEE by line and day");
        String rows = sql("SELECT day, line, round(oee::numeric, 4) FROM (" + GrafanaDashboards.instantiate(oee.sql(), FROM, TO)
                + ") p WHERE line = 'G1' ORDER BY day");
        // 96 quarter hours on 27 March, 92 on the 23-hour 28 March (CET → CEST), 96 on the 29th: A = 800/900,
        // P = 700/800, Q = 650/700 on each of the three local days
        assertEquals("""
                2027-03-27|G1|0.7222
                2027-03-28|G1|0.7222
                2027-03-29|G1|0.7222""", rows);
        GrafanaDashboards.SqlPanel energy = panel("Energy and cost by line and day");
        String kwh = sql("SELECT string_agg(day || '=' || energy_kwh, ',' ORDER BY day) FROM ("
                + GrafanaDashboards.instantiate(energy.sql(), FROM, TO) + ") e WHERE line = 'G1'");
        assertEquals("2027-03-27=96,2027-03-28=92,2027-03-29=96", kwh);
    }

    static GrafanaDashboards.SqlPanel panel(String title) {
        return GrafanaDashboards.sqlPanels().stream().filter(p -> p.title().equals(title)).findFirst().orElseThrow();
    }
}
