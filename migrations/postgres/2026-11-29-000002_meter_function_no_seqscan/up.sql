-- Every statement in kiosk_record_reads reaches its rows through an index
-- (the inserts' conflict checks) or by tuple id (the write-back). The
-- planner chose otherwise once: with statistics taken while the tables
-- were tiny (a new database), the write-back's join on tuple ids was
-- planned as a hash join over a sequential scan of meter_counters, and the
-- plan, cached in the session, went on scanning the whole table in every
-- batch as it grew. Sequential scans are off inside the function, so the
-- plan does not depend on the statistics.
ALTER FUNCTION kiosk_record_reads(TEXT[], TEXT[], TEXT[], TEXT[], TIMESTAMP[], INTEGER[])
    SET enable_seqscan = off;
