package dev.factorytelemetry.auth;

import dev.factorytelemetry.web.GzipRequestBodies;
import dev.factorytelemetry.web.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import dev.factorytelemetry.web.Problem;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.time.OffsetDateTime;
import java.util.List;

/** {@code /api/v1/admin/api-keys}: create (key shown once), list, revoke. Admin scope. */
@GzipRequestBodies
@Path("/api/v1/admin/api-keys")
@RolesAllowed(Scope.Roles.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin")
public class ApiKeyResource {

    /** A key to create: a name saying who uses it, its scopes, optionally when it expires. */
    public record NewApiKey(String name, List<String> scopes, OffsetDateTime expiresAt) {
    }

    private final ApiKeyService keys;
    private final SecurityIdentity caller;

    public ApiKeyResource(ApiKeyService keys, SecurityIdentity caller) {
        this.keys = keys;
        this.caller = caller;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an API key", description = "201 with the key; it is shown only in this answer.")
    @APIResponse(responseCode = "201", description = "Created; Location names the key; Cache-Control: no-store",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiKeyService.CreatedKey.class)))
    @APIResponse(responseCode = "422", description = "Empty name, unknown scope or past expiresAt; errors[] names each",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> create(@RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = NewApiKey.class),
            examples = @ExampleObject(name = "gateway", value = "{\"name\": \"line1-telegraf\", \"scopes\": [\"ingest\"], "
                    + "\"expiresAt\": \"2027-12-31T00:00:00Z\"}"))) NewApiKey request) {
        if (request == null) {
            throw ProblemException.badRequest("Send {\"name\": ..., \"scopes\": [\"ingest\"|\"read\"|\"admin\", ...]}");
        }
        return keys.create(request.name(), request.scopes(), request.expiresAt(), ApiKeyIdentityProvider.describe(caller))
                .map(created -> Response.created(URI.create("/api/v1/admin/api-keys/" + created.id()))
                        .header("Cache-Control", "no-store")
                        .entity(created).build());
    }

    @GET
    @Operation(summary = "List API keys", description = "Names, prefixes, scopes and state; never the keys.")
    public Uni<List<ApiKeyService.ApiKeyView>> list() {
        return keys.list();
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Revoke an API key", description = "204; idempotent. Other replicas stop accepting it within telemetry.auth.cache-ttl.")
    @APIResponse(responseCode = "204", description = "Revoked (also when it already was)")
    @APIResponse(responseCode = "404", description = "No API key has that id",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> revoke(@PathParam("id") long id) {
        return keys.revoke(id, ApiKeyIdentityProvider.describe(caller)).map(found -> {
            if (!found) {
                throw ProblemException.notFound("No API key with id " + id);
            }
            return Response.noContent().build();
        });
    }
}
