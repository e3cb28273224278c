DROP FUNCTION kiosk_record_reads;
