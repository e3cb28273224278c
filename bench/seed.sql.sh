#!/usr/bin/env bash
# Prints the SQL that seeds a benchmark database: one publisher (`the-daily`,
# meters wide open), its key, an all-publisher plan, $MEMBERS members sharing
# the password hash of an existing member, $ARTICLES articles (even ids
# premium, odd ids metered) and an active subscription for $SUBSCRIBER.
# Usage: seed.sql.sh sqlite|postgres
set -euo pipefail
backend=$1
: "${MEMBERS:?}" "${ARTICLES:?}" "${SUBSCRIBER:?}" "${KEY_ID:?}" "${KEY_HASH:?}"
ts="'2026-01-01 00:00:00'"
if [ "$backend" = sqlite ]; then
  series() { echo "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)"; }
  gen() { echo "FROM n"; }
  pad() { echo "printf('%08d', i)"; }
  true_=1 false_=0
else
  series() { :; }
  gen() { echo "FROM generate_series(1, $1) AS i"; }
  pad() { echo "lpad(i::text, 8, '0')"; }
  true_=true false_=false
fi
echo "BEGIN;"
cat <<SQL
INSERT INTO publishers (id, slug, name, default_access, meter_limit_anonymous,
  meter_limit_registered, meter_period, allowed_origins, created_at, updated_at)
VALUES ('pub_bench', 'the-daily', 'The Daily', 'premium', 1000000000, 1000000000,
  'month', '[]', $ts, $ts);
INSERT INTO api_keys (id, kind, publisher_id, name, secret_hash, created_at)
VALUES ('$KEY_ID', 'publisher', 'pub_bench', 'bench', '$KEY_HASH', $ts);
INSERT INTO plans (id, code, name, description, price, currency, billing_interval,
  trial_days, trial_requires_card, all_publishers, status, created_at, updated_at)
VALUES ('pln_bench', 'all-access', 'All access', '', 999, 'EUR', 'month', 14,
  $false_, $true_, 'active', $ts, $ts);
$(series "$MEMBERS")
INSERT INTO members (id, email, password_hash, status, created_at, updated_at)
SELECT 'mem_bench' || $(pad), 'bench' || $(pad) || '@example.com',
  (SELECT password_hash FROM members WHERE id = '$SUBSCRIBER'), 'active', $ts, $ts
$(gen "$MEMBERS");
$(series "$ARTICLES")
INSERT INTO articles (publisher_id, external_id, access, title, created_at, updated_at)
SELECT 'pub_bench', 'art-' || i, CASE WHEN i % 2 = 0 THEN 'premium' ELSE 'metered' END,
  'Article ' || i, $ts, $ts
$(gen "$ARTICLES");
INSERT INTO subscriptions (id, member_id, plan_id, source, status, cancel_at_period_end,
  created_at, updated_at)
VALUES ('sub_bench', '$SUBSCRIBER', 'pln_bench', 'stripe', 'active',
  $false_, $ts, $ts);
COMMIT;
SQL
