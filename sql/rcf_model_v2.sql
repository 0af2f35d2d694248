--
-- rcf_model_v2: a trained model carries the score statistics of its
-- training sample (format version 2), the threshold rcf_detect(model, point)
-- grades against; models of version 1 (pg_infer 0.3 and before) still load,
-- score and round-trip as they did.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;
SET extra_float_digits = 3;

-- the points the version 1 fixture below was trained on, with 0.3:
-- rcf_train(p, '{"trees": 8, "sample_size": 16, "seed": 11}')
CREATE TABLE rcf_v2_points AS
SELECT i, ARRAY[round(sin(i * 0.1)::numeric, 3)::float8,
                round((cos(i * 0.1) + (i % 7) / 10.0)::numeric, 3)::float8] AS p
FROM generate_series(1, 300) AS i;
CREATE TABLE rcf_v2_model AS
SELECT rcf_train(p, '{"trees": 8, "sample_size": 16, "seed": 11}') AS m FROM rcf_v2_points;

-- a model trained now is version 2, its JSON form names the statistics
SELECT (rcf_info(m)).format_version, (rcf_info(m)).bytes FROM rcf_v2_model;
SELECT j->'version' AS version, j->'score_count' AS score_count,
       (j->>'score_mean')::float8 BETWEEN 0.5 AND 2 AS mean_plausible,
       (j->>'score_sd')::float8 > 0 AS sd_positive
FROM rcf_v2_model, LATERAL (SELECT m::text::jsonb AS j) AS s;
-- text and binary round trips keep them
SELECT m::text::rcf_model::bytea = m::bytea AS text_round_trip,
       m::bytea::rcf_model::text = m::text AS bytea_round_trip
FROM rcf_v2_model;

-- rcf_detect's threshold is the carried mean + z_factor * max(sd, mean / 10)
SELECT (rcf_detect(m, ARRAY[0, 1])).threshold =
         (j->>'score_mean')::float8 + 4 * greatest((j->>'score_sd')::float8,
                                                   (j->>'score_mean')::float8 / 10)
         AS threshold_from_model,
       (rcf_detect(m, ARRAY[0, 1], '{"z_factor": 2}')).threshold =
         (j->>'score_mean')::float8 + 2 * greatest((j->>'score_sd')::float8,
                                                   (j->>'score_mean')::float8 / 10)
         AS z_factor_applies
FROM rcf_v2_model, LATERAL (SELECT m::text::jsonb AS j) AS s;
-- it is read from the model, not recomputed: other statistics, another
-- threshold, the same score
SELECT (d).threshold AS threshold, (d).is_anomaly, (d).grade > 0 AS graded,
       (d).score = rcf_score(m, ARRAY[3, -2]) AS same_score
FROM rcf_v2_model,
     LATERAL (SELECT rcf_detect(jsonb_set(jsonb_set(m::text::jsonb, '{score_mean}', '2'),
                                          '{score_sd}', '0.5')::text::rcf_model,
                                ARRAY[3, -2]) AS d) AS r;
-- decisions over the training rows and two planted points
SELECT count(*) FILTER (WHERE (rcf_detect(m, p)).is_anomaly) AS training_flags
FROM rcf_v2_model, rcf_v2_points;
SELECT q.p, (d).is_anomaly, (d).grade > 0 AS graded, (d).attribution IS NOT NULL AS attributed
FROM rcf_v2_model, (VALUES (ARRAY[0.5, 1.2]), (ARRAY[3, -2])) AS q(p),
     LATERAL (SELECT rcf_detect(m, q.p) AS d) AS r;

-- a version 1 model, written by pg_infer 0.3 (the model above, as 0.3 trained
-- it), as its text and as its bytes
CREATE TABLE rcf_v1_model AS
SELECT '{"version":1,"trees":8,"sample_size":16,"dims":2,"time_decay":0,"seed":11,"points_seen":300,"samples":[[[0.591796875,1.40625],[0.87890625,0.124023438],[0.823242188,0.768066406],[-0.92578125,0.578125],[0.133056641,1.09082031],[-0.998046875,0.337890625],[0.091003418,-0.795898438],[0.999023438,0.136962891],[0.693847656,0.720214844],[0.500976562,-0.364990234],[0.172973633,-0.884765625],[0.793945312,0.808105469],[0.54296875,-0.439941406],[0.979003906,0.801757812],[-0.980957031,0.106018066],[-0.465087891,1.0859375]],[[0.124023438,-0.791992188],[-0.668945312,1.34277344],[0.663085938,-0.448974609],[0.945800781,0.177001953],[-0.995117188,0.304931641],[0.343017578,1.23925781],[-0.351074219,-0.936035156],[0.486083984,-0.374023438],[0.956054688,0.107971191],[0.479003906,1.37792969],[-0.357910156,1.234375],[-0.374023438,1.2265625],[0.166015625,1.0859375],[-0.223999023,-0.475097656],[-0.382080078,-0.923828125],[-0.271972656,-0.362060547]],[[0.287109375,-0.958007812],[0.449951172,1.29296875],[0.206054688,-0.877929688],[-0.687988281,-0.325927734],[0.326904297,1.24511719],[-0.320068359,-0.346923828],[0.898925781,0.838867188],[-0.972167969,0.235961914],[-0.413085938,-0.911132812],[-0.246948242,1.36914062],[0.999023438,0.154052734],[0.0249938965,-0.700195312],[0.763183594,0.747070312],[0.901855469,0.168945312],[0.793945312,0.808105469],[0.263916016,1.1640625]],[[0.54296875,-0.439941406],[0.976074219,0.818847656],[0.987792969,0.152954102],[0.388916016,1.32128906],[-0.734863281,-0.278076172],[0.326904297,1.24511719],[-0.149047852,1.48925781],[-0.803222656,0.99609375],[-0.351074219,-0.936035156],[0.763183594,0.747070312],[-0.365966797,-0.930175781],[-0.166015625,1.48632812],[0.584960938,-0.410888672],[-0.711914062,-0.302001953],[-0.374023438,1.2265625],[0.974121094,0.172973633]],[[-0.983886719,0.122009277],[-0.879882812,-0.476074219],[-0.918945312,0.592773438],[-0.303955078,-0.353027344],[-0.935058594,-0.25390625],[0.875976562,0.783203125],[-1,0.50390625],[0.133056641,1.09082031],[-0.888183594,-0.4609375],[-0.768066406,-0.140991211],[0.45703125,-0.389892578],[-0.397949219,-0.91796875],[-0.650878906,-0.458984375],[0.793945312,0.808105469],[0.270996094,-0.962890625],[0.716796875,0.796875]],[[0.644042969,0.765136719],[-1,0.488037109],[-0.798828125,-0.101013184],[-0.700195312,-0.313964844],[0.991210938,0.136962891],[0.0249938965,-0.700195312],[-0.817871094,0.0249938965],[-0.6640625,-0.447998047],[0.783203125,0.821777344],[-0.998046875,0.337890625],[0.263916016,1.1640625],[-0.918945312,0.592773438],[-0.762207031,1.1484375],[0.287109375,-0.958007812],[0.954101562,0.798828125],[0.919921875,0.79296875]],[[0.895019531,0.154052734],[-0.750976562,1.16015625],[-0.149047852,1.48925781],[0.682128906,0.730957031],[-0.706054688,1.30859375],[0.740234375,0.771972656],[0.107971191,-0.793945312],[-0.173950195,-0.485107422],[0.319091797,-0.948242188],[0.999023438,0.154052734],[-0.618164062,0.786132812],[0.0249938965,-0.700195312],[-0.271972656,-0.362060547],[-0.668945312,1.34277344],[-0.397949219,-0.91796875],[0.140991211,-0.790039062]],[[0.133056641,1.09082031],[-0.625,-0.480957031],[0.016998291,1],[0.875976562,0.783203125],[-0.995117188,0.304931641],[-0.828125,0.0390014648],[-0.537109375,0.943847656],[0.945800781,0.177001953],[-0.723144531,-0.290039062],[0.140991211,-0.790039062],[0.649902344,-0.459960938],[-0.173950195,-0.485107422],[0.396972656,-0.318115234],[0.729003906,0.78515625],[-0.7890625,-0.114990234],[-0.374023438,1.2265625]]]}'::rcf_model AS m;
SELECT m::bytea = '\x5243464d0100000008000000100000000200000000000000000000000b000000000000002c01000000000000f1fff1ff1000bc74a0790877f06b9676257668f7a074426c5d78fcf76871d3695ef6fe77626c8d75c3750274d7f1896d14f75a76777658740af3d5776a76d9f7c96a71f358781000f06b56f65af55f794e752ff39177aa6df6f7e1707d71f5789ef17df7c773fcf1a677e96aaa738379baf1f078fcf1e878506d58782bef9af31df264f75af0cbf110009870aaf733732c79986e06f781f537f13b71fb781ff18df13177b676c7f78d6f9cf24af7e7ef7a79fe77ee6c66629af51b76fa753777686d5a7677763970a878100058740af3cf778d76e777e56c39724979e1f573f03b71fb78c5ecf5796df6f8779ef17df71b76fa75dbf171f750edf279ae7493f2b2f5d5f0fcf1e878cb77896d1000dff7cf6b0af79ef35af7be74ddf0a6f17bf710f00277447600f80874426c5d781bf760f325f683ec50733df25ef258f735f558f35a7677765670b4f7bc756076100027751f7600f8cf7364f677ea9af506f1ee77626c66629af58bf6666250f52bf344769376fcf768713970a8785af7be7419f698789870aaf7a27764765c77587610002977ee6c02f6a478c5ecf5797575d975a6f53c79ec752d76e96a5af691edc3f31b7196f7fe77ee6cf2f44a7666629af55af0cbf15af55f795ef258f7836c52f61000426c5d7800f5b2f35a60007802774476f6f7e170a0f6fe644cf48d779177aa6dc9f5a4f0836c52f633755cf391edc3f35a7217f1d575487650f65cebfcf1e878'::bytea AS bytes_as_0_3_wrote
FROM rcf_v1_model;
SELECT (rcf_info(m)).* FROM rcf_v1_model;
-- it scores as 0.3 scored it (the values 0.3 gave, to the last digit)
SELECT q.p, rcf_score(m, q.p) AS score, (rcf_attribution(m, q.p)).*
FROM rcf_v1_model,
     (VALUES (ARRAY[0, 1]::float8[]), (ARRAY[0.5, 1.2]), (ARRAY[3, -2]), (ARRAY[-0.8, 0.4])) AS q(p);
SELECT q.p, (rcf_detect(m, q.p)).*
FROM rcf_v1_model, (VALUES (ARRAY[0, 1]::float8[]), (ARRAY[3, -2])) AS q(p);
SELECT sum(rcf_score(m, p)) FROM rcf_v1_model, rcf_v2_points;
-- it stays version 1 through text and bytes
SELECT m::text::rcf_model::bytea = m::bytea AS text_round_trip,
       left(m::text, 12) AS text_starts,
       (rcf_info(m::text::rcf_model)).format_version
FROM rcf_v1_model;

-- the same points as version 2 (rcf_merge of the one model): the very
-- scores and records; the statistics 0.3 computed per query are now stored
SELECT (rcf_info(v2)).format_version,
       (SELECT count(*) FROM rcf_v2_points WHERE rcf_score(v2, p) = rcf_score(v1, p)) AS same_scores,
       (SELECT count(*) FROM rcf_v2_points
        WHERE rcf_detect(v2, p)::text = rcf_detect(v1, p)::text) AS same_records,
       v2::bytea = (SELECT m::bytea FROM rcf_v2_model) AS same_as_trained_now
FROM (SELECT m AS v1, (SELECT rcf_merge(m) FROM rcf_v1_model) AS v2 FROM rcf_v1_model) AS s;
-- merging a version 1 and a version 2 model
SELECT (rcf_info(rcf_merge(m))).format_version, (rcf_info(rcf_merge(m))).points_seen
FROM (SELECT m FROM rcf_v1_model UNION ALL SELECT m FROM rcf_v2_model) AS s;

-- errors: statistics in a version 1 text, none in a version 2 text, bad values
SELECT replace(m::text, '"points_seen":300,', '"points_seen":300,"score_count":1,')::rcf_model
FROM rcf_v1_model;
SELECT replace(m::text, '"version":1,', '"version":2,')::rcf_model FROM rcf_v1_model;
SELECT jsonb_set(m::text::jsonb, '{score_sd}', '-1')::text::rcf_model FROM rcf_v2_model;
SELECT jsonb_set(m::text::jsonb, '{score_count}', '129')::text::rcf_model FROM rcf_v2_model;
SELECT replace(m::text, '"version":1,', '"version":3,')::rcf_model FROM rcf_v1_model;
-- and in bytes: 44 score count, 48 mean, 56 sd (then the scale exponents)
SELECT set_byte(m::bytea, 47, 127)::rcf_model FROM rcf_v2_model;
SELECT set_byte(set_byte(m::bytea, 55, 127), 54, 240)::rcf_model FROM rcf_v2_model;
SELECT set_byte(m::bytea, 63, 128)::rcf_model FROM rcf_v2_model;
SELECT set_byte(m::bytea, 4, 3)::rcf_model FROM rcf_v2_model;
-- a version 1 model cut where version 2's statistics would be: truncated
SELECT substring(m::bytea from 1 for 50)::rcf_model FROM rcf_v1_model;
-- the session still works
SELECT (rcf_info(m)).format_version FROM rcf_v1_model;

DROP TABLE rcf_v2_points, rcf_v2_model, rcf_v1_model;
