-- One free trial per mailbox as well as per member: the ledger keeps the
-- mailbox of the member's address (`reader+news@example.com` counts as
-- `reader@example.com`, see `domain::email::mailbox`), unique.
--
-- Rows already here get their member's mailbox when no other row claims
-- the same one first, else the member's full address. Rows whose address
-- is its own mailbox come first, then the earliest trial, so the kept
-- full addresses all carry a tag and can equal no mailbox: the backfill
-- cannot collide.
ALTER TABLE trial_ledger ADD COLUMN mailbox TEXT;

WITH addresses AS (
    SELECT t.member_id, t.started_at, m.email,
        CASE
            WHEN strpos(m.email, '+') > 1 AND strpos(m.email, '+') < strpos(m.email, '@')
            THEN substr(m.email, 1, strpos(m.email, '+') - 1)
                || substr(m.email, strpos(m.email, '@'))
            ELSE m.email
        END AS mailbox
    FROM trial_ledger t JOIN members m ON m.id = t.member_id
),
ranked AS (
    SELECT member_id, email, mailbox,
        row_number() OVER (
            PARTITION BY mailbox
            ORDER BY (email = mailbox) DESC, started_at, member_id
        ) AS rank
    FROM addresses
)
UPDATE trial_ledger t
SET mailbox = CASE WHEN r.rank = 1 THEN r.mailbox ELSE r.email END
FROM ranked r
WHERE r.member_id = t.member_id;

ALTER TABLE trial_ledger ALTER COLUMN mailbox SET NOT NULL;
CREATE UNIQUE INDEX trial_ledger_mailbox_key ON trial_ledger (mailbox);
