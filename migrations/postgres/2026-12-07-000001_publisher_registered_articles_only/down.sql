ALTER TABLE publishers DROP COLUMN registered_articles_only;
