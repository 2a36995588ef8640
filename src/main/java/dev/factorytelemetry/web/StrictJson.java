package dev.factorytelemetry.web;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

import java.io.IOException;

/**
 * Strict binding of every JSON request body (REST endpoints and the event batch reader share this
 * mapper), configured once here instead of per field:
 * <ul>
 *   <li>no scalar coercion: {@code "900"} is not a number, {@code 1.5} not an integer, {@code 1} not a
 *       string or boolean, {@code ""} not null;</li>
 *   <li>unknown and duplicate members are refused (a misspelt member must not silently mean "absent");</li>
 *   <li>strings must be storable as PostgreSQL text ({@link StoredText}: no NUL, no lone surrogate).</li>
 * </ul>
 * Failures are {@code JsonMappingException}s with the member's path, answered 400 naming the field
 * ({@link JsonInputMappers}).
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {

    /** A string that cannot be stored; {@link JsonInputMappers} reports its message as is. */
    public static final class UnstorableText extends InvalidFormatException {
        UnstorableText(JsonParser p, String message, String value) {
            super(p, message, value, String.class);
        }
    }

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
        mapper.configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);
        mapper.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
        mapper.configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true);
        mapper.configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);
        mapper.configure(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY, true);
        // {"retention":"P400D","retention":null}: which one was meant? (and records fail on it with 500)
        mapper.configure(JsonParser.Feature.STRICT_DUPLICATE_DETECTION, true);
        mapper.coercionConfigDefaults()
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        // integers are exact in floating-point targets: 12 is a valid Double (the one coercion JSON needs)
        mapper.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert);
        // dates and UUIDs are JSON strings by definition
        mapper.coercionConfigFor(LogicalType.DateTime).setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
        mapper.coercionConfigFor(LogicalType.OtherScalar).setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
        mapper.coercionConfigFor(LogicalType.Enum).setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
        mapper.registerModule(new SimpleModule("strict-text").addDeserializer(String.class, new TextDeserializer()));
    }

    /** Only JSON strings bind to String, and only storable ones. */
    static final class TextDeserializer extends StdScalarDeserializer<String> {

        TextDeserializer() {
            super(String.class);
        }

        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                return (String) ctxt.handleUnexpectedToken(String.class, p);
            }
            String text = p.getText();
            String problem = StoredText.problem(text);
            if (problem != null) {
                throw new UnstorableText(p, problem, text);
            }
            return text;
        }

        @Override
        public LogicalType logicalType() {
            return LogicalType.Textual;
        }
    }
}
