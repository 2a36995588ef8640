package dev.factorytelemetry.web;

import jakarta.ws.rs.NameBinding;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Request bodies of the annotated resource (or method) may come with {@code Content-Encoding: gzip}
 * ({@link GzipRequestBodyInterceptor}). The ingest endpoints decode their bodies themselves and are not annotated.
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface GzipRequestBodies {
}
