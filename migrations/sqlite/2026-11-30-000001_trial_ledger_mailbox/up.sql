-- One free trial per mailbox as well as per member: the ledger keeps the
-- mailbox of the member's address (`reader+news@example.com` counts as
-- `reader@example.com`, see `domain::email::mailbox`), unique.
--
-- Rows already here get their member's mailbox when no other row claims
-- the same one first, else the member's full address. Rows whose address
-- is its own mailbox come first, then the earliest trial, so the kept
-- full addresses all carry a tag and can equal no mailbox: the backfill
-- cannot collide.
--
-- SQLite adds a NOT NULL column only with a default, which would let an
-- insert that forgets the mailbox through; the table is rebuilt instead
-- (no other table refers to it).
CREATE TABLE trial_ledger_new (
    member_id TEXT PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    plan_id TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    mailbox TEXT NOT NULL
);

WITH addresses AS (
    SELECT t.member_id, t.plan_id, t.subscription_id, t.started_at, m.email,
        CASE
            WHEN instr(m.email, '+') > 1 AND instr(m.email, '+') < instr(m.email, '@')
            THEN substr(m.email, 1, instr(m.email, '+') - 1)
                || substr(m.email, instr(m.email, '@'))
            ELSE m.email
        END AS mailbox
    FROM trial_ledger t JOIN members m ON m.id = t.member_id
),
ranked AS (
    SELECT addresses.*,
        row_number() OVER (
            PARTITION BY mailbox
            ORDER BY (email = mailbox) DESC, started_at, member_id
        ) AS rank
    FROM addresses
)
INSERT INTO trial_ledger_new (member_id, plan_id, subscription_id, started_at, mailbox)
SELECT member_id, plan_id, subscription_id, started_at,
    CASE WHEN rank = 1 THEN mailbox ELSE email END
FROM ranked;

DROP TABLE trial_ledger;
ALTER TABLE trial_ledger_new RENAME TO trial_ledger;
CREATE UNIQUE INDEX trial_ledger_mailbox_key ON trial_ledger (mailbox);
