-- Time of the newest post (UTC microseconds), the default as-of of the jobs.
-- Used by: murmur run sentiment. No parameters.
SELECT CAST(MAX(created_at) AS BIGINT) AS newest_us FROM posts
