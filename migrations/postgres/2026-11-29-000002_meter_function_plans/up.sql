-- How kiosk_record_reads's statements are planned, fixed on the function
-- so that it does not depend on the tables' statistics or on the batch.
--
-- enable_seqscan = off: every statement in it reaches its rows through an
-- index (the inserts' conflict checks) or by tuple id (the write-back). The
-- planner chose otherwise once: with statistics taken while the tables were
-- tiny (a new database), the write-back's join on tuple ids was planned as
-- a hash join over a sequential scan of meter_counters, and the plan,
-- cached in the session, went on scanning the whole table in every batch
-- as it grew.
--
-- plan_cache_mode = force_generic_plan: each statement is planned once per
-- session. Otherwise PostgreSQL kept re-planning them for every call (the
-- custom plans looked cheaper than the generic one), about a tenth of a
-- call's time. The generic plan joins the batch's rows by hashing, whatever
-- the batch's size.
ALTER FUNCTION kiosk_record_reads(TEXT[], TEXT[], TEXT[], TEXT[], TIMESTAMP[], INTEGER[])
    SET enable_seqscan = off;
ALTER FUNCTION kiosk_record_reads(TEXT[], TEXT[], TEXT[], TEXT[], TIMESTAMP[], INTEGER[])
    SET plan_cache_mode = force_generic_plan;
