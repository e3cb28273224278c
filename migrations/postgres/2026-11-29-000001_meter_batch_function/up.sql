-- Records a batch of metered reads in one call: one round trip and one
-- statement (so one transaction of its own), whatever the batch's size.
-- The arrays are parallel, one element per read. Each read is answered
-- exactly as if the reads had been recorded one at a time in the order
-- given: outcome 0 = already read this period (nothing counted),
-- 1 = a new read, counted, 2 = the meter was full (nothing recorded);
-- used = the count before the read.
--
-- The counters the batch names are created or locked first, in key order
-- (concurrent batches wait for each other instead of deadlocking), and
-- their newest committed counts are read (ON CONFLICT DO UPDATE waits for
-- and reads the latest version). The outcomes are then decided in order,
-- the counters that moved are written back and the new reads a full meter
-- refused are removed, both by tuple id.
CREATE FUNCTION kiosk_record_reads(
    publishers TEXT[],
    subjects TEXT[],
    periods TEXT[],
    articles TEXT[],
    read_ats TIMESTAMP[],
    limits INTEGER[],
    OUT outcomes SMALLINT[],
    OUT useds INTEGER[]
)
LANGUAGE plpgsql
AS $$
DECLARE
    r RECORD;
    cur INTEGER;
    before INTEGER;
    in_key BOOLEAN := false;
    kp TEXT;
    ks TEXT;
    kper TEXT;
    ktid TID;
    counted TEXT[];
    refused TEXT[];
    moved_tids TID[] := '{}';
    moved_used INTEGER[] := '{}';
    gone_tids TID[] := '{}';
BEGIN
    outcomes := array_fill(0::SMALLINT, ARRAY[cardinality(articles)]);
    useds := array_fill(0, ARRAY[cardinality(articles)]);
    FOR r IN
        WITH input AS (
            SELECT * FROM unnest(publishers, subjects, periods, articles, read_ats, limits)
                WITH ORDINALITY AS i(p, s, per, a, t, lim, n)),
        new_reads AS (
            INSERT INTO meter_reads (publisher_id, subject, period, article_id, read_at)
            SELECT p, s, per, a, t FROM input ORDER BY p, s, per, a
            ON CONFLICT DO NOTHING
            RETURNING ctid, publisher_id, subject, period, article_id),
        counters AS (
            INSERT INTO meter_counters (publisher_id, subject, period, used)
            SELECT DISTINCT p, s, per, 0 FROM input ORDER BY p, s, per
            ON CONFLICT (publisher_id, subject, period) DO UPDATE SET used = meter_counters.used
            RETURNING ctid, publisher_id, subject, period, used)
        SELECT i.n, i.p, i.s, i.per, i.a, i.lim, c.used AS used0, c.ctid AS counter_tid,
               nr.ctid AS read_tid, nr.article_id IS NOT NULL AS is_new
        FROM input i
        JOIN counters c ON c.publisher_id = i.p AND c.subject = i.s AND c.period = i.per
        LEFT JOIN new_reads nr ON nr.publisher_id = i.p AND nr.subject = i.s
            AND nr.period = i.per AND nr.article_id = i.a
        ORDER BY i.p, i.s, i.per, i.n
    LOOP
        IF NOT in_key OR r.p <> kp OR r.s <> ks OR r.per <> kper THEN
            IF in_key AND cur <> before THEN
                moved_tids := moved_tids || ktid;
                moved_used := moved_used || cur;
            END IF;
            in_key := true;
            kp := r.p;
            ks := r.s;
            kper := r.per;
            ktid := r.counter_tid;
            cur := r.used0;
            before := r.used0;
            counted := '{}';
            refused := '{}';
        END IF;
        useds[r.n] := cur;
        IF NOT r.is_new OR r.a = ANY (counted) THEN
            outcomes[r.n] := 0;
        ELSIF r.lim > 0 AND cur < r.lim THEN
            outcomes[r.n] := 1;
            cur := cur + 1;
            counted := counted || r.a;
        ELSE
            outcomes[r.n] := 2;
            IF NOT r.a = ANY (refused) THEN
                refused := refused || r.a;
                gone_tids := gone_tids || r.read_tid;
            END IF;
        END IF;
    END LOOP;
    IF in_key AND cur <> before THEN
        moved_tids := moved_tids || ktid;
        moved_used := moved_used || cur;
    END IF;
    -- By tuple id: the rows are this batch's own (the counters locked,
    -- the reads inserted above), and a TID scan is the plan whatever the
    -- tables' statistics say (a join on the keys was planned as a
    -- sequential scan while the tables were new).
    IF cardinality(moved_used) > 0 THEN
        UPDATE meter_counters c SET used = m.used
        FROM unnest(moved_tids, moved_used) AS m(tid, used)
        WHERE c.ctid = m.tid;
    END IF;
    IF cardinality(gone_tids) > 0 THEN
        DELETE FROM meter_reads WHERE ctid = ANY (gone_tids);
    END IF;
END;
$$;
