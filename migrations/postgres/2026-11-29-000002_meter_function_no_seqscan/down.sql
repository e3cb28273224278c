ALTER FUNCTION kiosk_record_reads(TEXT[], TEXT[], TEXT[], TEXT[], TIMESTAMP[], INTEGER[])
    RESET enable_seqscan;
