/* pg_infer 0.3 -> 0.4: the wrappers' writes and metadata, the whole workflow */

\echo Use "ALTER EXTENSION pg_infer UPDATE TO '0.4'" to load this file. \quit

--------------------------------------------------------------------------
-- RCF
--------------------------------------------------------------------------

-- rcf_info: a seed is an unsigned 64-bit number; numeric shows every seed
-- as it is (bigint showed those above 2^63 - 1 as negative numbers)
DROP FUNCTION rcf_info(rcf_model);
CREATE FUNCTION rcf_info(model rcf_model,
	OUT trees int, OUT sample_size int, OUT dimensions int,
	OUT samples bigint, OUT points_seen bigint, OUT time_decay float8,
	OUT seed numeric, OUT bytes int, OUT format_version int)
	RETURNS record
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rcf_info(rcf_model) IS 'shape and size of a Random Cut Forest model';


--------------------------------------------------------------------------
-- Inference and the AWS layer
--------------------------------------------------------------------------


--------------------------------------------------------------------------
-- Foreign data wrapper federated_mysql
--------------------------------------------------------------------------


--------------------------------------------------------------------------
-- Foreign data wrapper federated_s3
--------------------------------------------------------------------------
