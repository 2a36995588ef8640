--liquibase formatted sql

-- Every PL/pgSQL function of the schema runs with a fixed search_path (the schema, then public, where the
-- timescaledb extension's functions such as time_bucket live), so that it works whatever search_path its caller has
-- (a DBA's psql session with search_path = factory_telemetry, a job, a connection pooler's default). SQL-language
-- functions are left alone: a SET clause would stop PostgreSQL from inlining them into queries.
-- runOnChange: a changeset that later adds or replaces a PL/pgSQL function goes before this file and bumps the
-- "as of" line inside this changeset, so that it runs again (CREATE OR REPLACE resets a function's settings).

--changeset factory-telemetry:0012-function-search-path runOnChange:true splitStatements:false
-- functions as of changeset 0018
DO $$
DECLARE
    f regprocedure;
    ext_schema text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                        WHERE e.extname = 'timescaledb');
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure
        FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_language l ON l.oid = p.prolang
        WHERE n.nspname = 'factory_telemetry' AND l.lanname = 'plpgsql' AND p.prokind IN ('f', 'p')
    LOOP
        EXECUTE format('ALTER ROUTINE %s SET search_path = factory_telemetry, %I, pg_temp', f, coalesce(ext_schema, 'public'));
    END LOOP;
END
$$;
--rollback empty
