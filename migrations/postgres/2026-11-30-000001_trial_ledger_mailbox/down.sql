DROP INDEX trial_ledger_mailbox_key;
ALTER TABLE trial_ledger DROP COLUMN mailbox;
