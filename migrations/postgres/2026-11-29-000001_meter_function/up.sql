-- The meter rule on PostgreSQL: records a batch of metered reads in one
-- call (one round trip and one statement, whatever the batch's size) and
-- answers each read's outcome, exactly as if the reads had been recorded
-- one at a time in the order given.
--
-- The arrays are parallel, one element per read, and every read of one
-- meter (publisher, subject, period) in a call carries the same limit (the
-- caller splits a batch where a limit changes). The answer, per read:
--   outcomes: 'read'      already read this period, nothing counted;
--             'counted'   a new read, counted;
--             'exhausted' the meter was full, nothing recorded;
--   useds:    the meter's count before the read.
-- The rule: walking the batch, the first occurrence of a read new this
-- period is counted while its meter has room (count < limit) and refused
-- once it is full; a later occurrence answers as the first did; a read
-- already recorded is a re-read.
--
-- What it writes:
-- 1. The reads, in key order (ON CONFLICT DO NOTHING waits for a
--    concurrent insert of the same read and skips it once committed).
-- 2. Each meter's new reads are added to its counter, created if need be,
--    in key order: ON CONFLICT DO UPDATE waits for, locks and adds to the
--    newest version, so batches of several replicas serialize on a counter
--    (in one order, so without deadlocks) and never lose an increment. A
--    meter without new reads is looked up, not written, by a statement of
--    its own after the inserts, so its count includes what other replicas
--    committed while they waited; a batch of re-reads writes nothing.
-- 3. Only when a meter went past its limit: the reads it refuses are
--    removed and its counter is set back, both by tuple id.
CREATE FUNCTION kiosk_add_reads(
    publishers TEXT[],
    subjects TEXT[],
    periods TEXT[],
    articles TEXT[],
    read_ats TIMESTAMP[],
    limits INTEGER[],
    OUT outcomes TEXT[],
    OUT useds INTEGER[]
)
LANGUAGE plpgsql
AS $$
DECLARE
    inserted BOOLEAN[];
    afters INTEGER[];
    read_tids TID[];
    counter_tids TID[];
    gone TID[];
    fix_tids TID[];
    fix_used INTEGER[];
BEGIN
    WITH input AS (
        SELECT * FROM unnest(publishers, subjects, periods, articles, read_ats, limits)
            WITH ORDINALITY AS i(p, s, per, a, t, lim, n)),
    new_reads AS (
        INSERT INTO meter_reads (publisher_id, subject, period, article_id, read_at)
        SELECT p, s, per, a, t FROM input ORDER BY p, s, per, a
        ON CONFLICT DO NOTHING
        RETURNING ctid, publisher_id, subject, period, article_id),
    bumped AS (
        INSERT INTO meter_counters AS c (publisher_id, subject, period, used)
        SELECT publisher_id, subject, period, count(*) FROM new_reads
        GROUP BY publisher_id, subject, period
        ORDER BY publisher_id, subject, period
        ON CONFLICT (publisher_id, subject, period) DO UPDATE SET used = c.used + excluded.used
        RETURNING ctid, publisher_id, subject, period, used)
    SELECT array_agg(nr.ctid IS NOT NULL ORDER BY i.n),
           array_agg(b.used ORDER BY i.n),
           array_agg(nr.ctid ORDER BY i.n),
           array_agg(b.ctid ORDER BY i.n)
    INTO inserted, afters, read_tids, counter_tids
    FROM input i
    LEFT JOIN bumped b ON b.publisher_id = i.p AND b.subject = i.s AND b.period = i.per
    LEFT JOIN new_reads nr ON nr.publisher_id = i.p AND nr.subject = i.s
        AND nr.period = i.per AND nr.article_id = i.a;

    -- The meters without new reads, looked up in a statement of their
    -- own: it sees what other replicas committed while the inserts above
    -- waited for them (a concurrent insert of the same read, say).
    IF array_position(afters, NULL) IS NOT NULL THEN
        SELECT array_agg(COALESCE(u.used, (
                   SELECT k.used FROM meter_counters k
                   WHERE k.publisher_id = u.p AND k.subject = u.s AND k.period = u.per), 0)
               ORDER BY u.n)
        INTO afters
        FROM unnest(publishers, subjects, periods, afters) WITH ORDINALITY AS u(p, s, per, used, n);
    END IF;

    -- Each read's outcome. A meter's count before the batch is its count
    -- now less its new reads (the first occurrences of inserted reads);
    -- its room is what its limit left; a new read is ranked among its
    -- meter's new reads in batch order, and counted when its rank is below
    -- the room. The count before a read is the count before the batch plus
    -- the new reads counted ahead of it.
    WITH reads AS (
        SELECT * FROM unnest(publishers, subjects, periods, articles, limits,
                             inserted, afters, read_tids, counter_tids)
            WITH ORDINALITY AS r(p, s, per, a, lim, ins, after, read_tid, counter_tid, n)),
    marked AS (
        SELECT r.*, ins AND n = min(n) OVER (PARTITION BY p, s, per, a) AS first_new
        FROM reads r),
    ranked AS (
        SELECT m.*,
               COALESCE(sum(first_new::int) OVER (PARTITION BY p, s, per ORDER BY n
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS ahead,
               after - sum(first_new::int) OVER (PARTITION BY p, s, per) AS before
        FROM marked m),
    roomed AS (
        SELECT r.*, GREATEST(lim - before, 0) AS room,
               first_value(ahead) OVER (PARTITION BY p, s, per, a ORDER BY n) AS rank
        FROM ranked r)
    SELECT array_agg(CASE
                         WHEN NOT ins THEN 'read'
                         WHEN rank >= room THEN 'exhausted'
                         WHEN first_new THEN 'counted'
                         ELSE 'read'
                     END ORDER BY n),
           array_agg(before + LEAST(ahead, room) ORDER BY n),
           array_agg(read_tid) FILTER (WHERE first_new AND rank >= room),
           array_agg(counter_tid) FILTER (WHERE first_new AND rank = room),
           array_agg(before + room) FILTER (WHERE first_new AND rank = room)
    INTO outcomes, useds, gone, fix_tids, fix_used
    FROM roomed;

    IF gone IS NOT NULL THEN
        DELETE FROM meter_reads WHERE ctid = ANY (gone);
        UPDATE meter_counters SET used = fix_used[array_position(fix_tids, ctid)]
        WHERE ctid = ANY (fix_tids);
    END IF;
END;
$$;

-- How its statements are planned, fixed on the function so that it does
-- not depend on the tables' statistics or on the batch:
-- - enable_seqscan = off: every table is reached through an index (the
--   inserts' conflict checks, the lookups) or by tuple id (the fixes).
--   With statistics taken while the tables were tiny, the planner once
--   chose a sequential scan of meter_counters and kept it, cached, as the
--   table grew.
-- - enable_nestloop and enable_mergejoin = off: the batch's own rows are
--   joined by hashing.
-- - plan_cache_mode = force_generic_plan: planned once per session, not
--   for every call.
ALTER FUNCTION kiosk_add_reads(TEXT[], TEXT[], TEXT[], TEXT[], TIMESTAMP[], INTEGER[])
    SET enable_seqscan = off;
ALTER FUNCTION kiosk_add_reads(TEXT[], TEXT[], TEXT[], TEXT[], TIMESTAMP[], INTEGER[])
    SET enable_nestloop = off;
ALTER FUNCTION kiosk_add_reads(TEXT[], TEXT[], TEXT[], TEXT[], TIMESTAMP[], INTEGER[])
    SET enable_mergejoin = off;
ALTER FUNCTION kiosk_add_reads(TEXT[], TEXT[], TEXT[], TEXT[], TIMESTAMP[], INTEGER[])
    SET plan_cache_mode = force_generic_plan;
