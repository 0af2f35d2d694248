/* pg_infer 0.2 -> 0.3: federated MySQL and S3, and fixes */

\echo Use "ALTER EXTENSION pg_infer UPDATE TO '0.3'" to load this file. \quit

--------------------------------------------------------------------------
-- Statistics and inference fixes
--------------------------------------------------------------------------

-- the statistics are readable as the view is: by its owner and whom it is
-- granted to, not by everyone through the function under it
REVOKE ALL ON FUNCTION pg_infer_endpoint_stats() FROM PUBLIC;


--------------------------------------------------------------------------
-- RCF
--------------------------------------------------------------------------

-- rcf_detect: the forest as a detector (decisions, expected values, bounds)
CREATE TYPE rcf_detection AS (
	score		float8,		-- the forest's anomaly score
	grade		float8,		-- 0 on normal rows, up to 1 on anomalies
	is_anomaly	boolean,
	threshold	float8,		-- the learned score threshold
	expected	float8[],	-- per value: what the forest expected
	lower		float8[],	-- and the band around it
	upper		float8[],
	attribution	float8[],	-- on anomalies: each value's share of the score
	value		float8[],	-- the row's values, or the imputed ones
	imputed		boolean		-- the row was NULL and its value imputed
);
COMMENT ON TYPE rcf_detection IS 'what rcf_detect says about a row or a point';

CREATE FUNCTION rcf_detect(value float8, options jsonb DEFAULT NULL)
	RETURNS rcf_detection
	AS 'MODULE_PATHNAME', 'rcf_detect_stream' LANGUAGE C WINDOW VOLATILE PARALLEL SAFE;
CREATE FUNCTION rcf_detect(value float8[], options jsonb DEFAULT NULL)
	RETURNS rcf_detection
	AS 'MODULE_PATHNAME', 'rcf_detect_stream' LANGUAGE C WINDOW VOLATILE PARALLEL SAFE;
CREATE FUNCTION rcf_detect(model rcf_model, point float8[], options jsonb DEFAULT NULL)
	RETURNS rcf_detection
	AS 'MODULE_PATHNAME', 'rcf_detect_model' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 1000;
COMMENT ON FUNCTION rcf_detect(float8, jsonb) IS 'window function: anomaly decision, grade, expected value and bounds of each row of a series';
COMMENT ON FUNCTION rcf_detect(float8[], jsonb) IS 'window function: anomaly decision, grade, expected values and bounds of each row of a series';
COMMENT ON FUNCTION rcf_detect(rcf_model, float8[], jsonb) IS 'anomaly decision, grade, expected values and bounds of a point against a model';

-- rcf_score and rcf_attribution: a cost in line with their measured time
-- (about 500 times cpu_operator_cost per call), so that scoring a table
-- no longer crosses JIT's thresholds for a plan whose work is one C call
ALTER FUNCTION rcf_score(rcf_model, float8[]) COST 100;
ALTER FUNCTION rcf_attribution(rcf_model, float8[]) COST 100;

-- rcf_merge: forests trained on disjoint parts of the data (shards) merged
-- into the forest of one training over all of it
CREATE FUNCTION rcf_merge_accum(internal, rcf_model) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION rcf_merge_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION rcf_merge_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION rcf_merge_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION rcf_merge_final(internal) RETURNS rcf_model
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE AGGREGATE rcf_merge(model rcf_model) (
	SFUNC = rcf_merge_accum,
	STYPE = internal,
	FINALFUNC = rcf_merge_final,
	COMBINEFUNC = rcf_merge_combine,
	SERIALFUNC = rcf_merge_serialize,
	DESERIALFUNC = rcf_merge_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE rcf_merge(rcf_model) IS 'merges forests trained on disjoint parts of the data into the forest of one training over all of it';


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


