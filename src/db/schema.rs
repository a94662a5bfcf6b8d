// One schema for both backends, in the types diesel's MultiConnection
// supports: Text, BigInt, Integer, Double, Bool, Timestamp (UTC).

diesel::table! {
    reports (id) {
        id -> BigInt,
        reference -> Text,
        tracking_code_hash -> Text,
        status -> Text,
        category -> Text,
        platform -> Nullable<Text>,
        merchant_name -> Nullable<Text>,
        shop_url -> Nullable<Text>,
        product_url -> Nullable<Text>,
        order_id -> Nullable<Text>,
        merchant_province -> Nullable<Text>,
        merchant_city -> Nullable<Text>,
        description -> Text,
        review_texts -> Text,
        logistics -> Nullable<Text>,
        tracking_number -> Nullable<Text>,
        reporter_name -> Nullable<Text>,
        reporter_email -> Nullable<Text>,
        reporter_phone -> Nullable<Text>,
        consent_share_contact -> Bool,
        email_tracking_code -> Bool,
        locale -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        assigned_to -> Nullable<BigInt>,
        duplicate_of_id -> Nullable<BigInt>,
        priority -> Integer,
        merchant_terms -> Text,
        search_terms -> Text,
        notifications_off -> Bool,
    }
}

diesel::table! {
    regulators (id) {
        id -> BigInt,
        name -> Text,
        email -> Text,
        provinces -> Text,
        categories -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        report_id -> BigInt,
        kind -> Text,
        regulator_id -> Nullable<BigInt>,
        recipient_name -> Nullable<Text>,
        recipient_email -> Text,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        window_started_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        lease_token -> Nullable<Text>,
        last_error -> Nullable<Text>,
        last_attempt_at -> Nullable<Timestamp>,
        smtp_reply -> Nullable<Text>,
        accepted_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        note -> Nullable<Text>,
        secret -> Nullable<Text>,
        created_at -> Timestamp,
        response_revoked_at -> Nullable<Timestamp>,
        replies_to -> Nullable<BigInt>,
    }
}

diesel::table! {
    report_events (id) {
        id -> BigInt,
        report_id -> BigInt,
        at -> Timestamp,
        status -> Text,
        public_note -> Nullable<Text>,
        from_status -> Nullable<Text>,
        actor_id -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        details -> Nullable<Text>,
    }
}

diesel::table! {
    evidence (id) {
        id -> BigInt,
        report_id -> BigInt,
        storage_key -> Text,
        display_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        original_sha256 -> Text,
        original_size_bytes -> BigInt,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        created_at -> Timestamp,
        reply_id -> Nullable<BigInt>,
        phash -> Nullable<BigInt>,
        ocr_text -> Nullable<Text>,
        thumbnail -> Nullable<Binary>,
        phash_h0 -> Nullable<Integer>,
        phash_h1 -> Nullable<Integer>,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        disabled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        csrf_token -> Text,
        client_ip -> Nullable<Text>,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    rate_limits (key) {
        key -> Text,
        tokens -> Double,
        updated_ms -> BigInt,
    }
}

diesel::table! {
    status_counts (status) {
        status -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    replies (id) {
        id -> BigInt,
        report_id -> BigInt,
        message -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_notes (id) {
        id -> BigInt,
        report_id -> BigInt,
        author_id -> BigInt,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_kind -> Text,
        actor_id -> Nullable<BigInt>,
        actor_label -> Nullable<Text>,
        action -> Text,
        report_id -> Nullable<BigInt>,
        client_ip -> Nullable<Text>,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
    }
}

diesel::table! {
    merchants (id) {
        id -> BigInt,
        platform -> Text,
        name_key -> Text,
        display_name -> Text,
        province -> Nullable<Text>,
        report_count -> BigInt,
        reporter_count -> BigInt,
        first_reported_at -> Timestamp,
        last_reported_at -> Timestamp,
    }
}

diesel::table! {
    case_profiles (report_id) {
        report_id -> BigInt,
        merchant_id -> Nullable<BigInt>,
        name_key -> Text,
        shop_key -> Nullable<Text>,
        contact_key -> Nullable<Text>,
        network_key -> Nullable<Text>,
        independent_reporters -> Nullable<Integer>,
        priority_explanation -> Nullable<Text>,
        signals_computed_at -> Nullable<Timestamp>,
        dirty -> Bool,
        due_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        lease_token -> Nullable<Text>,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        version -> Integer,
    }
}

diesel::table! {
    tracking_numbers (report_id, number) {
        report_id -> BigInt,
        number -> Text,
    }
}

diesel::table! {
    signals (id) {
        id -> BigInt,
        report_id -> BigInt,
        code -> Text,
        severity -> Text,
        explanation_zh -> Text,
        explanation_en -> Text,
        related -> Text,
        computed_at -> Timestamp,
    }
}

diesel::table! {
    hotlines (report_id) {
        report_id -> BigInt,
        number -> Text,
        impersonated_brand -> Text,
        found_via -> Nullable<Text>,
        found_url -> Nullable<Text>,
        found_domain -> Nullable<Text>,
        search_terms -> Nullable<Text>,
        page_text -> Nullable<Text>,
        technician_visited -> Nullable<Bool>,
        amount_paid_fen -> Nullable<BigInt>,
        incident_province -> Nullable<Text>,
        incident_city -> Nullable<Text>,
    }
}

diesel::table! {
    brands (id) {
        id -> BigInt,
        name -> Text,
        aliases -> Text,
        official_numbers -> Text,
        official_domains -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(report_events -> reports (report_id));
diesel::joinable!(hotlines -> reports (report_id));
diesel::joinable!(case_profiles -> reports (report_id));
diesel::joinable!(case_profiles -> merchants (merchant_id));
diesel::joinable!(signals -> reports (report_id));
diesel::joinable!(tracking_numbers -> reports (report_id));
diesel::table! {
    regulator_responses (id) {
        id -> BigInt,
        report_id -> BigInt,
        delivery_id -> BigInt,
        kind -> Text,
        own_reference -> Nullable<Text>,
        expected_date -> Nullable<Date>,
        reason -> Nullable<Text>,
        question -> Nullable<Text>,
        outcome -> Nullable<Text>,
        public_summary -> Nullable<Text>,
        client_ip -> Nullable<Text>,
        created_at -> Timestamp,
        relayed_at -> Nullable<Timestamp>,
        answered_by_reply_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    signing_keys (id) {
        id -> Text,
        public_key_pem -> Text,
        wrapped_seed -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    deadlines (report_id) {
        report_id -> BigInt,
        kind -> Text,
        started_at -> Timestamp,
        due_at -> Timestamp,
        reminded_at -> Nullable<Timestamp>,
        escalated_at -> Nullable<Timestamp>,
        assigned_to -> Nullable<BigInt>,
    }
}

diesel::table! {
    calendar_years (year) {
        year -> Integer,
        holidays -> Text,
        workdays -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reminders (key) {
        key -> Text,
        report_id -> Nullable<BigInt>,
        delivery_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(regulator_responses -> deliveries (delivery_id));
diesel::joinable!(deadlines -> reports (report_id));
diesel::joinable!(evidence -> reports (report_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(case_notes -> reports (report_id));
diesel::joinable!(case_notes -> users (author_id));
diesel::joinable!(replies -> reports (report_id));
diesel::joinable!(deliveries -> reports (report_id));
diesel::joinable!(deliveries -> regulators (regulator_id));
diesel::allow_tables_to_appear_in_same_query!(
    reports,
    report_events,
    hotlines,
    brands,
    evidence,
    users,
    sessions,
    rate_limits,
    status_counts,
    replies,
    case_notes,
    audit_log,
    regulators,
    deliveries,
    regulator_responses,
    signing_keys,
    calendar_years,
    deadlines,
    reminders,
    merchants,
    case_profiles,
    tracking_numbers,
    signals,
);
