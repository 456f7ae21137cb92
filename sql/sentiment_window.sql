-- Posts of the sentiment-shift windows with their stored score: one row per post, topic
-- and group, where group is 'all' and each of 'team=…', 'site=…', 'role=…' the post has.
-- `recent` is true in the recent window [recent_start, end), false in the baseline
-- [baseline_start, recent_start). Reads posts, sentiment_scores (derived/sentiment_scores)
-- and thread_topics (thread_id, topic_id; see jobs::topic_source).
-- Used by: sentiment shift job. Parameters (UTC microseconds): {{baseline_start_us}},
-- {{recent_start_us}}, {{end_us}} (exclusive).
WITH scored AS (
  SELECT
    t.topic_id,
    p.author_id,
    p.team,
    p.site,
    p.role,
    s.compound,
    p.created_at >= to_timestamp_micros({{recent_start_us}}) AS recent,
    CAST(p.created_at AS BIGINT) AS created_us
  FROM posts p
  JOIN sentiment_scores s ON s.post_id = p.post_id
  JOIN thread_topics t ON t.thread_id = p.thread_id
  WHERE p.created_at >= to_timestamp_micros({{baseline_start_us}})
    AND p.created_at < to_timestamp_micros({{end_us}})
    AND p.date >= CAST(to_timestamp_micros({{baseline_start_us}}) AS DATE)
    AND p.date <= CAST(to_timestamp_micros({{end_us}}) AS DATE)
    AND s.date >= CAST(to_timestamp_micros({{baseline_start_us}}) AS DATE)
    AND s.date <= CAST(to_timestamp_micros({{end_us}}) AS DATE)
)
SELECT topic_id, 'all' AS "group", author_id, compound, recent, created_us FROM scored
UNION ALL
SELECT topic_id, 'team=' || team, author_id, compound, recent, created_us FROM scored
WHERE team IS NOT NULL AND team <> ''
UNION ALL
SELECT topic_id, 'site=' || site, author_id, compound, recent, created_us FROM scored
WHERE site IS NOT NULL AND site <> ''
UNION ALL
SELECT topic_id, 'role=' || role, author_id, compound, recent, created_us FROM scored
WHERE role IS NOT NULL AND role <> ''
