--liquibase formatted sql

--changeset factory-telemetry:0001-timescaledb-extension
--comment: TimescaleDB must be in shared_preload_libraries. Creating the extension needs a superuser
--comment: (or an already created extension, which is then a no-op): DBAs usually create it up front.
CREATE EXTENSION IF NOT EXISTS timescaledb;

--changeset factory-telemetry:0001-schema
CREATE SCHEMA IF NOT EXISTS factory_telemetry;
COMMENT ON SCHEMA factory_telemetry IS 'MS5.0 Phase 4 telemetry, production events and their TimescaleDB lifecycle (owned by factory-telemetry''s Liquibase changelog)';
