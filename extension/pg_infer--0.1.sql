/* pg_infer 0.1: Random Cut Forest anomaly detection */

\echo Use "CREATE EXTENSION pg_infer" to load this file. \quit

--------------------------------------------------------------------------
-- The rcf_model type
--------------------------------------------------------------------------

CREATE TYPE rcf_model;

CREATE FUNCTION rcf_model_in(cstring) RETURNS rcf_model
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rcf_model_out(rcf_model) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rcf_model_recv(internal) RETURNS rcf_model
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rcf_model_send(rcf_model) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE rcf_model (
	INPUT = rcf_model_in,
	OUTPUT = rcf_model_out,
	RECEIVE = rcf_model_recv,
	SEND = rcf_model_send,
	INTERNALLENGTH = VARIABLE,
	STORAGE = extended
);
COMMENT ON TYPE rcf_model IS 'a trained Random Cut Forest (compact binary; JSON text form)';

-- the binary form as bytea, and back (checked)
CREATE FUNCTION rcf_model(bytea) RETURNS rcf_model
	AS 'MODULE_PATHNAME', 'rcf_model_from_bytea'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (rcf_model AS bytea) WITHOUT FUNCTION;
CREATE CAST (bytea AS rcf_model) WITH FUNCTION rcf_model(bytea);

CREATE FUNCTION rcf_info(model rcf_model,
	OUT trees int, OUT sample_size int, OUT dimensions int,
	OUT samples bigint, OUT points_seen bigint, OUT time_decay float8,
	OUT seed bigint, OUT bytes int, OUT format_version int)
	RETURNS record
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rcf_info(rcf_model) IS 'shape and size of a Random Cut Forest model';

--------------------------------------------------------------------------
-- Training
--------------------------------------------------------------------------

CREATE FUNCTION rcf_train_accum(internal, float8[]) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION rcf_train_accum(internal, float8[], jsonb) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION rcf_train_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION rcf_train_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION rcf_train_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION rcf_train_final(internal) RETURNS rcf_model
	AS 'MODULE_PATHNAME' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;

CREATE AGGREGATE rcf_train(point float8[]) (
	SFUNC = rcf_train_accum,
	STYPE = internal,
	FINALFUNC = rcf_train_final,
	COMBINEFUNC = rcf_train_combine,
	SERIALFUNC = rcf_train_serialize,
	DESERIALFUNC = rcf_train_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE rcf_train(float8[]) IS 'trains a Random Cut Forest (100 trees of 256 points) on the points';

CREATE AGGREGATE rcf_train(point float8[], options jsonb) (
	SFUNC = rcf_train_accum,
	STYPE = internal,
	FINALFUNC = rcf_train_final,
	COMBINEFUNC = rcf_train_combine,
	SERIALFUNC = rcf_train_serialize,
	DESERIALFUNC = rcf_train_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE rcf_train(float8[], jsonb) IS 'trains a Random Cut Forest with options: trees, sample_size, seed, time_decay';

--------------------------------------------------------------------------
-- Scoring
--------------------------------------------------------------------------

CREATE FUNCTION rcf_score(model rcf_model, point float8[]) RETURNS float8
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 1000;
COMMENT ON FUNCTION rcf_score(rcf_model, float8[]) IS 'anomaly score of a point: near 1 for inliers, up to about log2(sample size)';

CREATE FUNCTION rcf_attribution(model rcf_model, point float8[],
	OUT high float8[], OUT low float8[]) RETURNS record
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 1000;
COMMENT ON FUNCTION rcf_attribution(rcf_model, float8[]) IS 'the anomaly score split per dimension, above (high) and below (low) the data';

--------------------------------------------------------------------------
-- Streaming
--------------------------------------------------------------------------

CREATE FUNCTION rcf_stream_score(value float8[], options jsonb DEFAULT NULL)
	RETURNS float8
	AS 'MODULE_PATHNAME' LANGUAGE C WINDOW VOLATILE PARALLEL SAFE;
CREATE FUNCTION rcf_stream_score(value float8, options jsonb DEFAULT NULL)
	RETURNS float8
	AS 'MODULE_PATHNAME' LANGUAGE C WINDOW VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION rcf_stream_score(float8[], jsonb) IS 'window function: scores each row against the rows before it, then learns it';
COMMENT ON FUNCTION rcf_stream_score(float8, jsonb) IS 'window function: scores each row against the rows before it, then learns it';
