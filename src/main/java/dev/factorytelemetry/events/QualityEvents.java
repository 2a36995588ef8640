package dev.factorytelemetry.events;

import dev.factorytelemetry.events.ProductionEvents.QualityCheck;
import dev.factorytelemetry.reference.ReferenceCache;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.tuples.Tuple2;
import io.vertx.core.json.JsonArray;
import jakarta.inject.Singleton;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.factorytelemetry.events.EventChecks.MAX_CODE;
import static dev.factorytelemetry.events.EventChecks.MAX_TEXT;
import static dev.factorytelemetry.events.EventChecks.codes;
import static dev.factorytelemetry.events.EventChecks.known;
import static dev.factorytelemetry.events.EventChecks.utc;

/** Quality checks ({@code quality_checks}), idempotent per (checkId, checkTime) when the client supplies the id. */
@Singleton
class QualityEvents extends EventFamily<QualityCheck, Tuple2<Map<String, Integer>, Map<String, Integer>>> {

    static final List<String> CHECK_TYPES = List.of("incoming", "in_process", "final", "audit");
    static final List<String> CHECK_RESULTS = List.of("pass", "fail", "conditional");
    static final int MAX_DEFECT_CODES = 100;

    /** Defect codes travel as one JSON array text per item (arrays of arrays cannot be ragged). */
    private static final Table TABLE = Table.logged("""
            INSERT INTO factory_telemetry.quality_checks
                   (check_id, line_id, product_type_id, check_time, check_type, check_result, quantity_checked,
                    quantity_passed, quantity_failed, defect_codes, notes, checked_by)
            SELECT u.check_id, u.line_id, u.product_type_id, u.check_time, u.check_type, u.check_result,
                   u.quantity_checked, u.quantity_passed, u.quantity_failed,
                   CASE WHEN u.defect_codes IS NULL THEN NULL
                        ELSE ARRAY(SELECT jsonb_array_elements_text(u.defect_codes::jsonb)) END,
                   u.notes, u.checked_by
            FROM unnest($1::uuid[], $2::int4[], $3::int4[], $4::timestamptz[], $5::text[], $6::text[], $7::int4[],
                        $8::int4[], $9::int4[], $10::text[], $11::text[], $12::text[])
                 AS u(check_id, line_id, product_type_id, check_time, check_type, check_result, quantity_checked,
                      quantity_passed, quantity_failed, defect_codes, notes, checked_by)
            ON CONFLICT DO NOTHING
            """, "quality_checks", 3,
            UUID.class, Integer.class, Integer.class, OffsetDateTime.class, String.class, String.class, Integer.class,
            Integer.class, Integer.class, String.class, String.class, String.class);

    /** Client-supplied check ids already stored with another check time. */
    private static final ClientIds<QualityCheck> IDS = new ClientIds<>("checkId", QualityCheck::checkId,
            "checkTime", QualityCheck::checkTime, """
            SELECT u.item, q.check_time AS stored_time
            FROM unnest($1::uuid[], $2::timestamptz[], $3::int4[]) AS u(check_id, check_time, item)
            JOIN factory_telemetry.quality_checks q ON q.check_id = u.check_id AND q.check_time <> u.check_time
            ORDER BY u.item
            """);

    QualityEvents() {
        super(TABLE, IDS);
    }

    @Override
    void check(int i, QualityCheck it, Limits limits, ItemErrors errors) {
        errors.requiredText(i, "lineCode", it.lineCode(), MAX_CODE);
        errors.maxLength(i, "productCode", it.productCode(), MAX_CODE);
        if (errors.required(i, "checkTime", it.checkTime())) {
            errors.notInFuture(i, "checkTime", it.checkTime(), limits.latest());
        }
        if (errors.required(i, "checkType", it.checkType())) {
            errors.oneOf(i, "checkType", it.checkType(), CHECK_TYPES);
        }
        if (errors.required(i, "checkResult", it.checkResult())) {
            errors.oneOf(i, "checkResult", it.checkResult(), CHECK_RESULTS);
        }
        boolean checked = errors.required(i, "quantityChecked", it.quantityChecked())
                && errors.atLeast(i, "quantityChecked", it.quantityChecked().longValue(), 0);
        boolean passed = errors.required(i, "quantityPassed", it.quantityPassed())
                && errors.atLeast(i, "quantityPassed", it.quantityPassed().longValue(), 0);
        boolean failed = errors.required(i, "quantityFailed", it.quantityFailed())
                && errors.atLeast(i, "quantityFailed", it.quantityFailed().longValue(), 0);
        if (checked && passed && failed
                && (long) it.quantityPassed() + it.quantityFailed() > it.quantityChecked()) {
            errors.add(i, "quantityFailed", "quantityPassed + quantityFailed must not exceed quantityChecked ("
                    + it.quantityChecked() + ")");
        }
        if (it.defectCodes() != null) {
            if (it.defectCodes().size() > MAX_DEFECT_CODES) {
                errors.add(i, "defectCodes", "must have at most " + MAX_DEFECT_CODES + " entries");
            }
            for (int d = 0; d < it.defectCodes().size(); d++) {
                String code = it.defectCodes().get(d);
                if (code == null || code.isBlank() || code.length() > MAX_CODE) {
                    errors.add(i, "defectCodes[" + d + "]", "must be a non-empty string of at most " + MAX_CODE + " characters");
                }
            }
        }
        errors.maxLength(i, "notes", it.notes(), MAX_TEXT);
        errors.maxLength(i, "checkedBy", it.checkedBy(), 200);
    }

    /** Lines and product types by code. */
    @Override
    Uni<Tuple2<Map<String, Integer>, Map<String, Integer>>> resolve(List<QualityCheck> items, ReferenceCache references) {
        return Uni.combine().all().unis(references.lines(codes(items, QualityCheck::lineCode)),
                references.productTypes(codes(items, QualityCheck::productCode))).asTuple();
    }

    @Override
    Object[] row(int i, QualityCheck it, Tuple2<Map<String, Integer>, Map<String, Integer>> found, ItemErrors errors) {
        UUID id = it.checkId() != null ? it.checkId() : UUID.randomUUID();
        Integer line = known(i, errors, "lineCode", "production line", it.lineCode(), found.getItem1());
        Integer product = known(i, errors, "productCode", "product type", it.productCode(), found.getItem2());
        return new Object[] {id, line, product, utc(it.checkTime()), it.checkType(), it.checkResult(), it.quantityChecked(),
                it.quantityPassed(), it.quantityFailed(),
                it.defectCodes() == null ? null : new JsonArray(new ArrayList<Object>(it.defectCodes())).encode(),
                it.notes(), it.checkedBy()};
    }
}
