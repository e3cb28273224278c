// @generated in the shape `diesel print-schema` writes, from migrations/postgres.
// Keep it in step with the migrations: every query of the test suites runs
// against databases the migrations built, on both backends.

diesel::table! {
    api_keys (id) {
        id -> Text,
        kind -> Text,
        publisher_id -> Nullable<Text>,
        name -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    articles (publisher_id, external_id) {
        publisher_id -> Text,
        external_id -> Text,
        access -> Text,
        title -> Nullable<Text>,
        section -> Nullable<Text>,
        published_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        actor -> Text,
        action -> Text,
        target -> Text,
        details -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    lifecycle_events (id) {
        id -> Text,
        kind -> Text,
        member_id -> Text,
        subscription_id -> Nullable<Text>,
        dedupe_key -> Text,
        payload -> Text,
        occurred_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    members (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        status -> Text,
        stripe_customer_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    meter_counters (publisher_id, subject, period) {
        publisher_id -> Text,
        subject -> Text,
        period -> Text,
        used -> Integer,
    }
}

diesel::table! {
    meter_reads (publisher_id, subject, period, article_id) {
        publisher_id -> Text,
        subject -> Text,
        period -> Text,
        article_id -> Text,
        read_at -> Timestamp,
    }
}

diesel::table! {
    plan_publishers (plan_id, publisher_id) {
        plan_id -> Text,
        publisher_id -> Text,
    }
}

diesel::table! {
    plans (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        description -> Text,
        price -> BigInt,
        currency -> Text,
        billing_interval -> Text,
        trial_days -> Integer,
        trial_requires_card -> Bool,
        all_publishers -> Bool,
        status -> Text,
        stripe_price_id -> Nullable<Text>,
        stripe_product_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    publishers (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        default_access -> Text,
        meter_limit_anonymous -> Integer,
        meter_limit_registered -> Integer,
        meter_period -> Text,
        allowed_origins -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        registered_articles_only -> Bool,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        member_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        replaced_by -> Nullable<Text>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        private_key -> Text,
        public_key -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    stripe_events (id) {
        id -> Text,
        event_type -> Text,
        outcome -> Text,
        payload -> Nullable<Text>,
        processed_at -> Timestamp,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> Text,
        member_id -> Text,
        plan_id -> Text,
        source -> Text,
        status -> Text,
        trial_ends_at -> Nullable<Timestamp>,
        current_period_end -> Nullable<Timestamp>,
        cancel_at_period_end -> Bool,
        canceled_at -> Nullable<Timestamp>,
        stripe_subscription_id -> Nullable<Text>,
        stripe_event_at -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    trial_ledger (member_id) {
        member_id -> Text,
        plan_id -> Text,
        subscription_id -> Text,
        started_at -> Timestamp,
        mailbox -> Text,
    }
}

diesel::joinable!(api_keys -> publishers (publisher_id));
diesel::joinable!(articles -> publishers (publisher_id));
diesel::joinable!(plan_publishers -> plans (plan_id));
diesel::joinable!(plan_publishers -> publishers (publisher_id));
diesel::joinable!(sessions -> members (member_id));
diesel::joinable!(subscriptions -> members (member_id));
diesel::joinable!(subscriptions -> plans (plan_id));
diesel::joinable!(trial_ledger -> members (member_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_keys,
    articles,
    audit_log,
    lifecycle_events,
    members,
    meter_counters,
    meter_reads,
    plan_publishers,
    plans,
    publishers,
    sessions,
    signing_keys,
    stripe_events,
    subscriptions,
    trial_ledger,
);
