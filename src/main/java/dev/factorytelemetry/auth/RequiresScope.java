package dev.factorytelemetry.auth;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Protects a REST resource class or method: requests need {@code Authorization: Bearer <key>} (or
 * {@code Token <key>}) of an active API key holding this scope ({@code admin} holds all). Without a
 * valid key: 401; with a key lacking the scope: 403. A method annotation overrides the class one.
 * Checked by {@link ApiKeyAuthenticationFilter}; see docs/auth.md.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface RequiresScope {
    Scope value();
}
