package dev.factorytelemetry.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.factorytelemetry.support.LocalTimescale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** The Grafana dashboards of deploy/grafana/dashboards and their queries, for the tests that run them. */
public final class GrafanaDashboards {

    /** A PostgreSQL panel: its title, SQL (with Grafana macros) and the columns its description promises. */
    public record SqlPanel(String dashboard, String title, String sql, List<String> columns) {
    }

    private GrafanaDashboards() {
    }

    public static List<JsonNode> all() {
        Path dir = LocalTimescale.projectRoot().resolve("deploy/grafana/dashboards");
        try (Stream<Path> files = Files.list(dir)) {
            List<JsonNode> dashboards = new ArrayList<>();
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                dashboards.add(new ObjectMapper().readTree(file.toFile()));
            }
            return dashboards;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** PromQL of every panel target on the Prometheus data source. */
    public static List<String> prometheusQueries() {
        List<String> queries = new ArrayList<>();
        for (JsonNode dashboard : all()) {
            for (JsonNode panel : dashboard.path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    if ("prometheus".equals(target.path("datasource").path("type").asText())) {
                        queries.add(target.path("expr").asText());
                    }
                }
            }
        }
        return queries;
    }

    /** Every panel on the PostgreSQL data source. */
    public static List<SqlPanel> sqlPanels() {
        List<SqlPanel> panels = new ArrayList<>();
        for (JsonNode dashboard : all()) {
            for (JsonNode panel : dashboard.path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    if (target.path("datasource").path("type").asText().contains("postgres")) {
                        String description = panel.path("description").asText();
                        int at = description.indexOf("Columns: ");
                        List<String> columns = at < 0 ? List.of()
                                : Arrays.stream(description.substring(at + 9).split(",")).map(String::trim).toList();
                        panels.add(new SqlPanel(dashboard.path("uid").asText(), panel.path("title").asText(),
                                target.path("rawSql").asText(), columns));
                    }
                }
            }
        }
        return panels;
    }

    /** PromQL with Grafana's interval variables replaced as Grafana would for a short range. */
    public static String instantiate(String promql) {
        return promql.replace("$__rate_interval", "1m").replace("$__interval", "15s").replace("$__range", "5m");
    }

    /** SQL with Grafana's time macros for the range [from, to) (timestamptz literals). */
    public static String instantiate(String sql, String from, String to) {
        return sql.replaceAll("\\$__timeFilter\\(([^)]+)\\)", "$1 >= '" + from + "'::timestamptz AND $1 < '" + to + "'::timestamptz")
                .replace("$__timeFrom()", "'" + from + "'::timestamptz").replace("$__timeTo()", "'" + to + "'::timestamptz");
    }
}
