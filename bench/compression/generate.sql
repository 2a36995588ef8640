-- Realistic simulated telemetry for :metrics metrics at 1 Hz over :hours hours, ending now.
-- Mix of signal kinds found on a packaging/filling line:
--   40% analog process values (temperatures, pressures): slow sine drift + sensor noise, 0.01 resolution
--   20% speeds: constant set-points with stops and jitter
--   20% counters (INT): monotonic, different rates
--   10% machine states (BOOL): running / stopped, changing every few minutes
--   10% state codes (INT): small enumerations changing every ~30 min
-- Quality code 192 (OPC "good"), 0.1% bad (0).
SELECT setseed(0.42);

INSERT INTO factory_telemetry.metric_def (metric_key, value_type, unit)
SELECT format('line%s.m%s.signal%s', 1 + i % 5, 1 + i % 40, i),
       CASE WHEN i % 10 < 6 THEN 'REAL' WHEN i % 10 IN (6, 7, 9) THEN 'INT' ELSE 'BOOL' END,
       CASE WHEN i % 10 < 4 THEN 'degC' WHEN i % 10 < 6 THEN 'units/min' ELSE NULL END
FROM generate_series(0, :metrics - 1) i
ON CONFLICT (metric_key) DO NOTHING;

INSERT INTO factory_telemetry.metric_hist (metric_id, ts, value_real, value_int, value_bool, quality)
SELECT m.id,
       date_trunc('second', now()) - make_interval(secs => :hours * 3600 - t),
       CASE WHEN k < 4 THEN round((40 + 10 * sin(t / 900.0 + m.id) + random() * 0.3)::numeric, 2)::float8
            WHEN k < 6 THEN CASE WHEN (t / 600 + m.id) % 7 = 0 THEN 0
                                 ELSE 100 + m.id % 20 + round((random() * 0.4)::numeric, 1)::float8 END END,
       CASE WHEN k IN (6, 7) THEN m.id * 1000 + t * (1 + m.id % 3) / 2
            WHEN k = 9 THEN (t / 1800 + m.id) % 4 END,
       CASE WHEN k = 8 THEN (t / 300 + m.id) % 5 <> 0 END,
       CASE WHEN random() < 0.001 THEN 0 ELSE 192 END
FROM (SELECT id, (id - 1) % 10 AS k FROM factory_telemetry.metric_def ORDER BY id LIMIT :metrics) m,
     generate_series(0, :hours * 3600 - 1) t;
ANALYZE factory_telemetry.metric_hist;
