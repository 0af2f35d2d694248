-- The upgrade path: install the first release, update to the current one,
-- and check that the update brings what a fresh install has.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS pg_infer CASCADE;
RESET client_min_messages;
CREATE EXTENSION pg_infer VERSION '0.1';
SELECT extversion FROM pg_extension WHERE extname = 'pg_infer';
SELECT count(*) FROM pg_language WHERE lanname = 'sagemaker';

-- a model trained under 0.1 survives the update
CREATE TABLE upgrade_model AS
  SELECT rcf_train(ARRAY[(g % 10)::float8]) AS m FROM generate_series(1, 500) g;

ALTER EXTENSION pg_infer UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'pg_infer';
SELECT round(rcf_score(m, ARRAY[5.0])::numeric, 1) < 2 AS inlier,
       round(rcf_score(m, ARRAY[500.0])::numeric, 1) > 2 AS outlier
FROM upgrade_model;

-- the objects of the extension after the update
CREATE TEMP TABLE updated AS
  SELECT pg_describe_object(classid, objid, 0) AS object
  FROM pg_depend
  WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
    AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_infer');
SELECT object FROM updated ORDER BY object COLLATE "C";

-- a fresh install has the same objects
DROP TABLE upgrade_model;
DROP EXTENSION pg_infer;
CREATE EXTENSION pg_infer;
SELECT extversion FROM pg_extension WHERE extname = 'pg_infer';
SELECT count(*) AS differences FROM (
  (SELECT object FROM updated
   EXCEPT
   SELECT pg_describe_object(classid, objid, 0) FROM pg_depend
   WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
     AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_infer'))
  UNION ALL
  (SELECT pg_describe_object(classid, objid, 0) FROM pg_depend
   WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
     AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_infer')
   EXCEPT
   SELECT object FROM updated)) d;
