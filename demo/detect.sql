-- demo/detect.sql — the second half of the demo's workflow (demo/workflow.sh
-- runs it once the weekly model is served by the model server): the same
-- scores through a LANGUAGE sagemaker function, the days flagged, and the
-- flags against the days the generator planted.
-- psql variables: endpoint (the model server's /invocations URL), out (the
-- directory for daily.csv, the plot's data).
\set ON_ERROR_STOP on
\pset footer off
\set ECHO queries

\echo
\echo '=== 7. The served model called from SQL: a LANGUAGE sagemaker function,'
\echo '       its calls batched (500 rows per request)'
\echo
SET pg_infer.sagemaker_endpoint_url = :'endpoint';
SET pg_infer.sign_requests = off;
CREATE FUNCTION weekly_score(week float8[]) RETURNS float8
	LANGUAGE sagemaker STRICT AS 'orders-rcf';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT day, weekly_score(week) FROM weeks;
CREATE TABLE endpoint_scores AS SELECT day, weekly_score(week) AS score FROM weeks;
SELECT count(*) AS days,
	   count(*) FILTER (WHERE e.score = s.weekly_score) AS same_score_as_rcf_score
FROM endpoint_scores e JOIN scores s USING (day);

\echo
\echo '=== 8. Anomalous days: a score beyond mean + 3 standard deviations'
\echo
CREATE TABLE flags AS
WITH cut AS (
	SELECT avg(plain_score) + 3 * stddev(plain_score) AS plain,
		   (SELECT avg(score) + 3 * stddev(score) FROM endpoint_scores) AS weekly
	FROM scores)
SELECT s.day, s.orders,
	   s.plain_score > cut.plain AS plain,
	   coalesce(e.score > cut.weekly, false) AS weekly
FROM scores s LEFT JOIN endpoint_scores e USING (day), cut;
\echo 'and rcf_detect''s decision, a streaming detector over the same weekly'
\echo 'shingles, with no cut-off to choose (it learns its threshold as it goes):'
ALTER TABLE flags ADD COLUMN detect boolean NOT NULL DEFAULT false;
UPDATE flags f SET detect = true
FROM (SELECT day, rcf_detect(week, '{"shingle_size": 1}') OVER (ORDER BY day) AS d
	  FROM weeks) AS w
WHERE w.day = f.day AND (w.d).is_anomaly;

\echo
\echo '=== 9. The flags against the planted anomalies.  A plain score covers its'
\echo '       own day; a weekly score covers its week, so a planted day counts'
\echo '       as found when a week holding it is flagged (the day or one of the'
\echo '       6 after it), and a weekly flag is false when its week holds no'
\echo '       planted day.  An anomaly is hit when one of its days is found.'
\echo
CREATE TABLE planted AS SELECT * FROM mysql_sales.planted_days;
CREATE TABLE detectors (n int, detector text);
INSERT INTO detectors VALUES (1, 'plain: rcf_score > mean + 3 sd'),
	(2, 'weekly: served model > mean + 3 sd'), (3, 'weekly: rcf_detect');
CREATE TABLE flagged AS  -- detector n flagged the days first_day .. last_day
SELECT 1 AS n, day AS first_day, day AS last_day FROM flags WHERE plain
UNION ALL SELECT 2, day - 6, day FROM flags WHERE weekly
UNION ALL SELECT 3, day - 6, day FROM flags WHERE detect;
CREATE TABLE found AS  -- per detector and planted day: whether a flag covers it
SELECT d.n, p.day, p.anomaly,
	   EXISTS (SELECT FROM flagged f
			   WHERE f.n = d.n AND p.day BETWEEN f.first_day AND f.last_day) AS found
FROM detectors d, planted p;
SELECT day, to_char(day, 'Dy') AS dow, anomaly, kind, orders,
	   bool_or(found) FILTER (WHERE n = 1) AS plain,
	   bool_or(found) FILTER (WHERE n = 2) AS weekly,
	   bool_or(found) FILTER (WHERE n = 3) AS detect
FROM found JOIN planted USING (day, anomaly) JOIN daily USING (day)
GROUP BY day, anomaly, kind, orders ORDER BY day;
CREATE TABLE detection AS
SELECT d.n, d.detector,
	   count(*) FILTER (WHERE a.found) AS hit,
	   count(*) FILTER (WHERE NOT a.found) AS missed,
	   (SELECT count(*) FROM flagged f
		WHERE f.n = d.n AND NOT EXISTS (SELECT FROM planted p
										WHERE p.day BETWEEN f.first_day AND f.last_day)) AS false_flags
FROM detectors d
	 JOIN (SELECT n, anomaly, bool_or(found) AS found FROM found GROUP BY n, anomaly) AS a USING (n)
GROUP BY d.n, d.detector;
SELECT detector, hit, missed, false_flags FROM detection ORDER BY n;

\set ECHO none
\set csv :out '/daily.csv'
COPY (SELECT f.day, f.orders, p.day IS NOT NULL AS planted, f.plain, f.weekly, f.detect
	  FROM flags f LEFT JOIN planted p USING (day) ORDER BY f.day)
	TO STDOUT (FORMAT csv, HEADER)
\g :csv
