--
-- Helpers of the federated_mysql pushdown tests, included by
-- sql/mysql_pushdown.sql, sql/mysql_upper.sql and sql/mysql_join.sql: a query
-- run on the foreign tables (schema regress_remote) and on local copies of
-- them (schema regress_local), the schema given to the query by %1$s.
--

-- The rows, and the differences between the two results, whatever their order
CREATE FUNCTION regress_compare(query text, OUT rows bigint, OUT differences bigint)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT count(*) FROM (%s) q', format(query, 'regress_remote')) INTO rows;
  EXECUTE format('SELECT count(*) FROM ((%1$s EXCEPT ALL %2$s) UNION ALL (%2$s EXCEPT ALL %1$s)) d',
                 format(query, 'regress_remote'), format(query, 'regress_local'))
    INTO differences;
END $$;

-- The rows, and whether both results are the same rows in the same order
CREATE FUNCTION regress_compare_ordered(query text, OUT rows bigint, OUT same boolean)
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  remote text[] := '{}';
  local text[] := '{}';
BEGIN
  FOR r IN EXECUTE format(query, 'regress_remote') LOOP
    remote := remote || r::text;
  END LOOP;
  FOR r IN EXECUTE format(query, 'regress_local') LOOP
    local := local || r::text;
  END LOOP;
  rows := cardinality(remote);
  same := remote = local;
END $$;
