-- The sweeper scans subscriptions by status.
CREATE INDEX subscriptions_status_idx ON subscriptions (status);
