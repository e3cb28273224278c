-- Records a batch of metered reads in one call, writing each counter once.
-- It replaces kiosk_record_reads, which wrote every counter it moved twice
-- (locked by an upsert, then written back) and decided the reads one by
-- one in a PL/pgSQL loop; that function is left in place for replicas of
-- the previous release during a rolling upgrade.
--
-- The arrays are parallel, one element per read, and every read of one
-- meter (publisher, subject, period) in a call carries the same limit (the
-- caller splits a batch where a limit changes). The answer, per read:
-- inserted = this call created the read's row (its article had not been
-- read this period), before = its meter's count before the batch. From
-- these and the limits the caller answers each read exactly as if the
-- reads had been recorded one at a time, in the order given: walking the
-- batch, the first occurrence of an inserted read is counted while its
-- meter has room and refused once it is full; a later occurrence answers
-- as the first did; a read not inserted is a re-read.
--
-- What the function writes is the same:
-- 1. The reads are inserted in key order (ON CONFLICT DO NOTHING waits
--    for a concurrent insert of the same read and skips it once committed).
-- 2. Each meter's new reads are added to its counter, created if need be,
--    in key order: ON CONFLICT DO UPDATE waits for, locks and adds to the
--    newest version, so batches of several replicas serialize on a counter
--    (in one order, so without deadlocks) and never lose an increment.
-- 3. Only when a meter went past its limit: the reads it refuses (its new
--    reads past the room it had, in batch order) are removed and its
--    counter is set to the limit, both by tuple id.
CREATE FUNCTION kiosk_count_reads(
    publishers TEXT[],
    subjects TEXT[],
    periods TEXT[],
    articles TEXT[],
    read_ats TIMESTAMP[],
    limits INTEGER[],
    OUT inserted BOOLEAN[],
    OUT befores INTEGER[]
)
LANGUAGE plpgsql
AS $$
DECLARE
    read_tids TID[];
    counter_tids TID[];
    overflowed BOOLEAN;
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
    fresh AS (
        SELECT publisher_id AS p, subject AS s, period AS per, count(*)::INTEGER AS n
        FROM new_reads
        GROUP BY publisher_id, subject, period),
    meters AS (
        SELECT m.p, m.s, m.per, m.lim, COALESCE(f.n, 0) AS n
        FROM (SELECT DISTINCT p, s, per, lim FROM input) m
        LEFT JOIN fresh f ON f.p = m.p AND f.s = m.s AND f.per = m.per),
    bumped AS (
        INSERT INTO meter_counters AS c (publisher_id, subject, period, used)
        SELECT p, s, per, n FROM meters ORDER BY p, s, per
        ON CONFLICT (publisher_id, subject, period) DO UPDATE SET used = c.used + excluded.used
        RETURNING ctid, publisher_id, subject, period, used)
    SELECT array_agg(nr.ctid IS NOT NULL ORDER BY i.n),
           array_agg(b.used - m.n ORDER BY i.n),
           array_agg(nr.ctid ORDER BY i.n),
           array_agg(b.ctid ORDER BY i.n),
           COALESCE(bool_or(m.n > 0 AND b.used > m.lim), false)
    INTO inserted, befores, read_tids, counter_tids, overflowed
    FROM input i
    JOIN meters m ON m.p = i.p AND m.s = i.s AND m.per = i.per
    JOIN bumped b ON b.publisher_id = i.p AND b.subject = i.s AND b.period = i.per
    LEFT JOIN new_reads nr ON nr.publisher_id = i.p AND nr.subject = i.s
        AND nr.period = i.per AND nr.article_id = i.a;

    IF overflowed THEN
        -- Each new read's first occurrence, ranked in batch order within
        -- its meter: those at or past the meter's room are refused, and
        -- the first refused one names the counter to set back.
        WITH firsts AS (
            SELECT DISTINCT ON (p, s, per, a) *
            FROM unnest(publishers, subjects, periods, articles, limits, befores,
                        read_tids, counter_tids)
                WITH ORDINALITY AS i(p, s, per, a, lim, before, read_tid, counter_tid, n)
            WHERE read_tid IS NOT NULL
            ORDER BY p, s, per, a, n),
        ranked AS (
            SELECT f.*, GREATEST(lim - before, 0) AS room,
                   row_number() OVER (PARTITION BY p, s, per ORDER BY n) - 1 AS rank
            FROM firsts f)
        SELECT array_agg(read_tid),
               array_agg(counter_tid) FILTER (WHERE rank = room),
               array_agg(before + room) FILTER (WHERE rank = room)
        INTO gone, fix_tids, fix_used
        FROM ranked
        WHERE rank >= room;
        DELETE FROM meter_reads WHERE ctid = ANY (gone);
        UPDATE meter_counters SET used = fix_used[array_position(fix_tids, ctid)]
        WHERE ctid = ANY (fix_tids);
    END IF;
END;
$$;

-- How its statements are planned, fixed on the function (see also
-- 2026-11-29-000002_meter_function_plans): planned once per session, every
-- table reached through an index or by tuple id, and the batch's own rows
-- joined by hashing. The planner guesses ten rows for each array; with
-- that guess a prototype of this function was planned with nested loops,
-- which compare every read of the batch with every other.
ALTER FUNCTION kiosk_count_reads(TEXT[], TEXT[], TEXT[], TEXT[], TIMESTAMP[], INTEGER[])
    SET enable_seqscan = off;
ALTER FUNCTION kiosk_count_reads(TEXT[], TEXT[], TEXT[], TEXT[], TIMESTAMP[], INTEGER[])
    SET enable_nestloop = off;
ALTER FUNCTION kiosk_count_reads(TEXT[], TEXT[], TEXT[], TEXT[], TIMESTAMP[], INTEGER[])
    SET enable_mergejoin = off;
ALTER FUNCTION kiosk_count_reads(TEXT[], TEXT[], TEXT[], TEXT[], TIMESTAMP[], INTEGER[])
    SET plan_cache_mode = force_generic_plan;
