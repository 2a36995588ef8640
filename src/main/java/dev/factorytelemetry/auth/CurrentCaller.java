package dev.factorytelemetry.auth;

import jakarta.enterprise.context.RequestScoped;

import java.util.Optional;

/** The API key of the current request, set by {@link ApiKeyAuthenticationFilter} (empty on open endpoints). */
@RequestScoped
public class CurrentCaller {

    private ApiKeyService.Principal principal;

    void set(ApiKeyService.Principal principal) {
        this.principal = principal;
    }

    public Optional<ApiKeyService.Principal> principal() {
        return Optional.ofNullable(principal);
    }

    /** For audit columns and logs: "key 12 'line1-gateway'". */
    public String describe() {
        return principal == null ? "anonymous" : "key " + principal.keyId() + " '" + principal.name() + "'";
    }
}
