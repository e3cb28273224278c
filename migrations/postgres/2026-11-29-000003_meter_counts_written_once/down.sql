DROP FUNCTION kiosk_count_reads(TEXT[], TEXT[], TEXT[], TEXT[], TIMESTAMP[], INTEGER[]);
