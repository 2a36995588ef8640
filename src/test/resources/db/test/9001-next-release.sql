--liquibase formatted sql

--changeset factory-telemetry:9001-next-release-example
CREATE TABLE factory_telemetry.next_release_example (id integer PRIMARY KEY, note text NOT NULL);
INSERT INTO factory_telemetry.next_release_example VALUES (1, 'added by the next release');
--rollback DROP TABLE factory_telemetry.next_release_example;
