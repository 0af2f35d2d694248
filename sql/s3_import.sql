--
-- federated_s3: IMPORT FOREIGN SCHEMA from a prefix.  Each directory
-- right under the prefix becomes a table (hive partitions below it as
-- columns), each object right under it a table named after the key; hive
-- directories right under the prefix make the prefix one table.  Columns
-- come from the CSV header or the JSON Lines members, typed from a sample.
--
\set ECHO none
\i test/sql/s3_setup.sql
\set ECHO all
-- The definition of every foreign table of a schema
CREATE FUNCTION s3_test_tables(nsp text)
RETURNS TABLE (table_name name, columns text, options text[]) LANGUAGE sql AS $f$
	SELECT c.relname,
		   string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod),
					  ', ' ORDER BY a.attnum),
		   ft.ftoptions
	FROM pg_class c
	JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
	JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	WHERE c.relnamespace = nsp::regnamespace
	GROUP BY c.relname, ft.ftoptions ORDER BY c.relname;
$f$;

-- CSV with headers: a directory of objects (orders), an object right
-- under the prefix with a space and unicode in its key and header
-- (café au lait), and hive partitions (sales)
CREATE SCHEMA s3_imp;
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/csv/" FROM SERVER lake INTO s3_imp
	OPTIONS (header 'true');
SELECT * FROM s3_test_tables('s3_imp');
SELECT * FROM s3_imp.orders ORDER BY id;
SELECT * FROM s3_imp."café au lait" ORDER BY 1;
SELECT * FROM s3_imp.sales ORDER BY year, month, day;

-- LIMIT TO and EXCEPT, and a remote schema given as an option
CREATE SCHEMA s3_imp_limit;
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/csv" LIMIT TO (orders, "café au lait")
	FROM SERVER lake INTO s3_imp_limit OPTIONS (header 'true');
SELECT table_name FROM s3_test_tables('s3_imp_limit');
CREATE SCHEMA s3_imp_except;
IMPORT FOREIGN SCHEMA lake EXCEPT (orders, sales) FROM SERVER lake INTO s3_imp_except
	OPTIONS (uri 's3://pginfer-test/import/csv/', header 'true');
SELECT table_name FROM s3_test_tables('s3_imp_except');

-- JSON Lines: members in order of appearance, nested values as jsonb
CREATE SCHEMA s3_imp_json;
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/jsonl/" FROM SERVER lake INTO s3_imp_json
	OPTIONS (format 'jsonl');
SELECT * FROM s3_test_tables('s3_imp_json');
SELECT * FROM s3_imp_json.events ORDER BY id;

-- header-less CSV: names given with column_names (SQL identifier syntax)
CREATE SCHEMA s3_imp_bare;
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/bare/" FROM SERVER lake INTO s3_imp_bare
	OPTIONS (column_names 'id, "Value (€)"');
SELECT * FROM s3_test_tables('s3_imp_bare');
SELECT * FROM s3_imp_bare.points ORDER BY id;
-- a small sample decides from the rows it saw
CREATE SCHEMA s3_imp_sample;
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/csv/" LIMIT TO (orders)
	FROM SERVER lake INTO s3_imp_sample OPTIONS (header 'true', sample_rows '1');
SELECT * FROM s3_test_tables('s3_imp_sample');

-- errors, each clear; the next statement works
CREATE SCHEMA s3_imp_err;
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/none/" FROM SERVER lake INTO s3_imp_err;
IMPORT FOREIGN SCHEMA "s3://pginfer-empty/" FROM SERVER lake INTO s3_imp_err;
IMPORT FOREIGN SCHEMA "s3://pginfer-missing/x/" FROM SERVER lake INTO s3_imp_err;
IMPORT FOREIGN SCHEMA "pginfer-test/import/" FROM SERVER lake INTO s3_imp_err;
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/*.csv" FROM SERVER lake INTO s3_imp_err;
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/bare/" FROM SERVER lake INTO s3_imp_err;
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/noheader/" FROM SERVER lake INTO s3_imp_err
	OPTIONS (header 'true');
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/conflict/" FROM SERVER lake INTO s3_imp_err
	OPTIONS (header 'true');
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/conflict/" EXCEPT (orders)
	FROM SERVER lake INTO s3_imp_err OPTIONS (header 'true');
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/dupcol/" FROM SERVER lake INTO s3_imp_err
	OPTIONS (header 'true');
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/clash/" FROM SERVER lake INTO s3_imp_err
	OPTIONS (header 'true');
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/clash/" FROM SERVER lake INTO s3_imp_err
	OPTIONS (header 'true', column_names 'x, y');
SELECT * FROM s3_test_tables('s3_imp_err');
SELECT * FROM s3_imp_err.t;
DROP FOREIGN TABLE s3_imp_err.t;
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/ragged/" FROM SERVER lake INTO s3_imp_err
	OPTIONS (header 'true');
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/csv/" FROM SERVER lake INTO s3_imp_err
	OPTIONS (header 'true', format 'jsonl');
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/csv/" FROM SERVER lake INTO s3_imp_err
	OPTIONS (heder 'true');
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/csv/" FROM SERVER lake INTO s3_imp_err
	OPTIONS (sample_rows '0');
IMPORT FOREIGN SCHEMA "s3://pginfer-test/import/csv/" FROM SERVER lake INTO s3_imp_err
	OPTIONS (column_names 'a,,b');
SELECT count(*) AS tables FROM s3_test_tables('s3_imp_err');
SELECT count(*) FROM s3_imp.orders;
SELECT rejected FROM s3_test_requests();
