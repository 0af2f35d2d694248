--
-- Hidden setup of doc/mysql.md's examples (test/doc_examples.py): the
-- test MariaDB (test/services.sh) in place of the example's server; its
-- database holds the TPC-H-like orders of test/mysql/schema.sql.
--
-- rewrite: port '3306', dbname 'sales' => port '${PG_INFER_MYSQL_PORT}', dbname '${PG_INFER_MYSQL_DB}'
-- rewrite: username 'app', password 'secret' => username '${PG_INFER_MYSQL_USER}', password '${PG_INFER_MYSQL_PASSWORD}'
-- rewrite: IMPORT FOREIGN SCHEMA sales => IMPORT FOREIGN SCHEMA ${PG_INFER_MYSQL_DB}
--
SELECT 1 AS nothing_to_set_up;
