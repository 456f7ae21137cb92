-- Per topic and team, the posts in the window and their distinct authors, with the team's
-- most common site on the topic (ties: the first by name; NULL if none given). Only groups
-- of at least {{min_group_size}} distinct authors appear (privacy floor).
-- Used by: rising job (where a topic spreads). Parameters: {{from_us}} (inclusive) and
-- {{to_us}} (exclusive), microseconds since the epoch, UTC; {{min_group_size}}. Needs
-- table topic_threads(thread_id, topic_id).
WITH w AS (
  SELECT t.topic_id, p.team, p.site, p.author_id
  FROM posts p
  JOIN topic_threads t ON t.thread_id = p.thread_id
  WHERE p.date >= CAST(to_timestamp_micros({{from_us}}) AS DATE)
    AND p.date <= CAST(to_timestamp_micros({{to_us}}) AS DATE)
    AND p.created_at >= to_timestamp_micros({{from_us}})
    AND p.created_at < to_timestamp_micros({{to_us}})
),
groups AS (
  SELECT topic_id, team, COUNT(*) AS posts, COUNT(DISTINCT author_id) AS authors
  FROM w
  GROUP BY topic_id, team
  HAVING COUNT(DISTINCT author_id) >= {{min_group_size}}
),
sites AS (
  SELECT
    topic_id,
    team,
    site,
    ROW_NUMBER() OVER (PARTITION BY topic_id, team ORDER BY COUNT(*) DESC, site) AS rn
  FROM w
  WHERE site IS NOT NULL
  GROUP BY topic_id, team, site
)
SELECT g.topic_id, g.team, s.site, g.posts, g.authors
FROM groups g
LEFT JOIN sites s ON s.topic_id = g.topic_id AND s.team = g.team AND s.rn = 1
ORDER BY g.topic_id, g.posts DESC, g.team
