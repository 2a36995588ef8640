package dev.factorytelemetry.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.factorytelemetry.web.JsonInputMappers;
import dev.factorytelemetry.web.Problem;
import dev.factorytelemetry.web.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a batch body: a JSON array of items, or one item object. Items that do not bind (wrong JSON
 * types, unparsable timestamps or UUIDs) are reported all at once with their index and field (400);
 * more than {@code telemetry.events.max-batch-size} items are refused with 413.
 */
@ApplicationScoped
class BatchReader {

    private final ObjectMapper mapper;
    private final EventsConfig config;

    BatchReader(ObjectMapper mapper, EventsConfig config) {
        this.mapper = mapper;
        this.config = config;
    }

    <T> List<T> read(byte[] body, Class<T> type) {
        JsonNode root;
        try {
            root = body == null || body.length == 0 ? null : mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw ProblemException.badRequest("The body is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        } catch (IOException e) {
            throw ProblemException.badRequest("The body cannot be read: " + e.getMessage());
        }
        List<JsonNode> nodes = new ArrayList<>();
        if (root != null && root.isArray()) {
            root.forEach(nodes::add);
        } else if (root != null && root.isObject()) {
            nodes.add(root);
        } else {
            throw ProblemException.badRequest("The body must be a JSON array of items (or one item object)");
        }
        return bind(nodes, type);
    }

    <T> T readOne(byte[] body, Class<T> type) {
        List<T> items = read(body, type);
        if (items.size() != 1) {
            throw ProblemException.badRequest("The body must be one JSON object");
        }
        return items.get(0);
    }

    private <T> List<T> bind(List<JsonNode> nodes, Class<T> type) {
        if (nodes.size() > config.maxBatchSize()) {
            throw new ProblemException(Problem.of(413, "Batch too large", nodes.size()
                    + " items in one request; at most " + config.maxBatchSize()
                    + " are accepted (telemetry.events.max-batch-size). Split the batch."));
        }
        ItemErrors errors = new ItemErrors(config.maxReportedErrors());
        List<T> items = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            JsonNode node = nodes.get(i);
            if (!node.isObject()) {
                errors.add(i, "", "must be a JSON object");
                continue;
            }
            try {
                items.add(mapper.treeToValue(node, type));
            } catch (JsonMappingException e) {
                errors.add(i, path(e), reason(e));
            } catch (JsonProcessingException e) {
                errors.add(i, "", e.getOriginalMessage());
            }
        }
        errors.throwIfAny(400, "Malformed items");
        return items;
    }

    private static String path(JsonMappingException e) {
        return JsonInputMappers.path(e);
    }

    private static String reason(JsonMappingException e) {
        return JsonInputMappers.reason(e);
    }
}
