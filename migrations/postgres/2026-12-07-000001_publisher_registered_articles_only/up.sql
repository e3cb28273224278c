-- When true, checks for articles the publisher never registered answer 404
-- and record nothing, so made-up article ids cost nothing.
ALTER TABLE publishers ADD COLUMN registered_articles_only BOOLEAN NOT NULL DEFAULT FALSE;
