/* pg_infer 0.1 -> 0.2: SageMaker inference from SQL */

\echo Use "ALTER EXTENSION pg_infer UPDATE TO '0.2'" to load this file. \quit

--------------------------------------------------------------------------
-- LANGUAGE sagemaker: CREATE FUNCTION f(...) RETURNS t LANGUAGE sagemaker
-- AS 'endpoint-name'.  Trusted, but only roles granted USAGE may use it.
--------------------------------------------------------------------------

CREATE FUNCTION sagemaker_call_handler() RETURNS language_handler
	AS 'MODULE_PATHNAME' LANGUAGE C;
CREATE FUNCTION sagemaker_validator(oid) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
CREATE TRUSTED LANGUAGE sagemaker
	HANDLER sagemaker_call_handler VALIDATOR sagemaker_validator;
REVOKE USAGE ON LANGUAGE sagemaker FROM PUBLIC;
COMMENT ON LANGUAGE sagemaker IS 'functions whose body is the name of a SageMaker endpoint';

--------------------------------------------------------------------------
-- Ad-hoc inference
--------------------------------------------------------------------------

CREATE FUNCTION sagemaker_infer(endpoint text, VARIADIC inputs "any")
	RETURNS jsonb
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;
REVOKE EXECUTE ON FUNCTION sagemaker_infer(text, "any") FROM PUBLIC;
COMMENT ON FUNCTION sagemaker_infer(text, "any") IS 'calls a SageMaker endpoint with the inputs; the row''s result as jsonb';

--------------------------------------------------------------------------
-- Statistics per endpoint (needs shared_preload_libraries)
--------------------------------------------------------------------------

CREATE FUNCTION pg_infer_endpoint_stats(
	OUT endpoint text, OUT calls bigint, OUT retries bigint, OUT errors bigint,
	OUT rows bigint, OUT bytes_sent bigint, OUT bytes_received bigint,
	OUT total_time_ms float8)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'pg_infer_endpoint_stats'
	LANGUAGE C VOLATILE PARALLEL SAFE;

CREATE FUNCTION pg_infer_stats_reset(endpoint text DEFAULT NULL) RETURNS void
	AS 'MODULE_PATHNAME', 'pg_infer_stats_reset'
	LANGUAGE C VOLATILE PARALLEL SAFE;
REVOKE ALL ON FUNCTION pg_infer_stats_reset(text) FROM PUBLIC;

CREATE VIEW pg_infer_endpoint_stats AS SELECT * FROM pg_infer_endpoint_stats();
COMMENT ON VIEW pg_infer_endpoint_stats IS 'SageMaker requests, rows, retries, errors, bytes and time per endpoint since the last reset';
