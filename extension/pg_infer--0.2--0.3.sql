/* pg_infer 0.2 -> 0.3: federated MySQL and S3, and fixes */

\echo Use "ALTER EXTENSION pg_infer UPDATE TO '0.3'" to load this file. \quit

--------------------------------------------------------------------------
-- Statistics and inference fixes
--------------------------------------------------------------------------



--------------------------------------------------------------------------
-- RCF fixes
--------------------------------------------------------------------------



--------------------------------------------------------------------------
-- Foreign data wrapper federated_mysql
--------------------------------------------------------------------------

CREATE FUNCTION federated_mysql_handler() RETURNS fdw_handler
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
CREATE FUNCTION federated_mysql_validator(text[], oid) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
CREATE FOREIGN DATA WRAPPER federated_mysql
	HANDLER federated_mysql_handler VALIDATOR federated_mysql_validator;
COMMENT ON FOREIGN DATA WRAPPER federated_mysql IS 'MySQL and MariaDB tables as foreign tables (libmariadb)';



--------------------------------------------------------------------------
-- Foreign data wrapper federated_s3
--------------------------------------------------------------------------

CREATE FUNCTION federated_s3_handler() RETURNS fdw_handler
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
CREATE FUNCTION federated_s3_validator(text[], oid) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
CREATE FOREIGN DATA WRAPPER federated_s3
	HANDLER federated_s3_handler
	VALIDATOR federated_s3_validator;
COMMENT ON FOREIGN DATA WRAPPER federated_s3 IS 'CSV, text and JSON Lines objects in Amazon S3 as foreign tables';


