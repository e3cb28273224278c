-- Kiosk schema. Portable types only: text ids, TIMESTAMP (UTC), BIGINT money,
-- BOOLEAN, text JSON. The SQLite migration of the same name mirrors this one.

CREATE TABLE members (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    stripe_customer_id TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP,
    replaced_by TEXT,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_family_idx ON sessions (family_id);
CREATE INDEX sessions_member_idx ON sessions (member_id);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    private_key TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);

CREATE TABLE publishers (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    default_access TEXT NOT NULL,
    meter_limit_anonymous INTEGER NOT NULL,
    meter_limit_registered INTEGER NOT NULL,
    meter_period TEXT NOT NULL,
    allowed_origins TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    publisher_id TEXT REFERENCES publishers(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_keys_publisher_idx ON api_keys (publisher_id);

CREATE TABLE articles (
    publisher_id TEXT NOT NULL REFERENCES publishers(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    access TEXT NOT NULL,
    title TEXT,
    section TEXT,
    published_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (publisher_id, external_id)
);

CREATE TABLE plans (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    price BIGINT NOT NULL,
    currency TEXT NOT NULL,
    billing_interval TEXT NOT NULL,
    trial_days INTEGER NOT NULL,
    trial_requires_card BOOLEAN NOT NULL,
    all_publishers BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    stripe_price_id TEXT,
    stripe_product_id TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE plan_publishers (
    plan_id TEXT NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    publisher_id TEXT NOT NULL REFERENCES publishers(id) ON DELETE CASCADE,
    PRIMARY KEY (plan_id, publisher_id)
);

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    plan_id TEXT NOT NULL REFERENCES plans(id),
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    trial_ends_at TIMESTAMP,
    current_period_end TIMESTAMP,
    cancel_at_period_end BOOLEAN NOT NULL DEFAULT FALSE,
    canceled_at TIMESTAMP,
    stripe_subscription_id TEXT UNIQUE,
    stripe_event_at BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX subscriptions_member_idx ON subscriptions (member_id);
CREATE INDEX subscriptions_plan_idx ON subscriptions (plan_id);

CREATE TABLE trial_ledger (
    member_id TEXT PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    plan_id TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL
);

CREATE TABLE meter_reads (
    publisher_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    period TEXT NOT NULL,
    article_id TEXT NOT NULL,
    read_at TIMESTAMP NOT NULL,
    PRIMARY KEY (publisher_id, subject, period, article_id)
);

CREATE TABLE meter_counters (
    publisher_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    period TEXT NOT NULL,
    used INTEGER NOT NULL,
    PRIMARY KEY (publisher_id, subject, period)
);

CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    outcome TEXT NOT NULL,
    payload TEXT,
    processed_at TIMESTAMP NOT NULL
);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    details TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_target_idx ON audit_log (target);

CREATE TABLE lifecycle_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    member_id TEXT NOT NULL,
    subscription_id TEXT,
    dedupe_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
CREATE INDEX lifecycle_events_member_idx ON lifecycle_events (member_id);
