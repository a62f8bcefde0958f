// Diesel table definitions, kept in step with `migrations/` (a test compares them
// with the migrated database).

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        is_admin -> Bool,
        disabled -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    journal_entries (id) {
        id -> Uuid,
        alliance_id -> Nullable<Uuid>,
        seq -> Int8,
        at -> Timestamptz,
        actor_user_id -> Nullable<Uuid>,
        actor_partner_id -> Nullable<Uuid>,
        verb -> Text,
        subject_type -> Text,
        subject_id -> Nullable<Uuid>,
        summary -> Jsonb,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    /// Each journal chain's head sequence, kept by a trigger on `journal_entries`
    /// (migration 000017); the platform chain's key is the nil UUID.
    journal_heads (chain) {
        chain -> Uuid,
        seq -> Int8,
    }
}

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        request_hash -> Text,
        status -> Nullable<Int2>,
        response_headers -> Nullable<Jsonb>,
        response_body -> Nullable<Bytea>,
        created_at -> Timestamptz,
        path -> Nullable<Text>,
    }
}

diesel::table! {
    cities (id) {
        id -> Uuid,
        name -> Text,
        insee_code -> Text,
        department -> Text,
        region -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    alliances (id) {
        id -> Uuid,
        city_id -> Uuid,
        name -> Text,
        description -> Text,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    partners (id) {
        id -> Uuid,
        alliance_id -> Uuid,
        name -> Text,
        kind -> Text,
        description -> Text,
        website -> Nullable<Text>,
        status -> Text,
        joined_on -> Date,
        left_on -> Nullable<Date>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    mandates (id) {
        id -> Uuid,
        alliance_id -> Uuid,
        user_id -> Uuid,
        partner_id -> Uuid,
        role -> Text,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        successor_of -> Nullable<Uuid>,
        handover_notes -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    invitations (id) {
        id -> Uuid,
        alliance_id -> Uuid,
        email -> Text,
        partner_id -> Uuid,
        role -> Text,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        successor_of -> Nullable<Uuid>,
        handover_notes -> Nullable<Text>,
        token_hash -> Text,
        expires_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        accepted_by -> Nullable<Uuid>,
        mandate_id -> Nullable<Uuid>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    charters (id) {
        id -> Uuid,
        alliance_id -> Uuid,
        version -> Int4,
        text -> Text,
        status -> Text,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        adopted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    charter_signatures (charter_id, partner_id) {
        charter_id -> Uuid,
        alliance_id -> Uuid,
        partner_id -> Uuid,
        signed_by -> Uuid,
        signed_at -> Timestamptz,
    }
}

diesel::table! {
    plans (id) {
        id -> Uuid,
        alliance_id -> Uuid,
        academic_year -> Text,
        title -> Text,
        description -> Text,
        phase -> Text,
        carried_over_from -> Nullable<Uuid>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    actions (id) {
        id -> Uuid,
        alliance_id -> Uuid,
        plan_id -> Uuid,
        title -> Text,
        description -> Text,
        theme -> Text,
        sdgs -> Array<Int2>,
        proposed_by -> Uuid,
        proposing_partner_id -> Uuid,
        lead_partner_id -> Uuid,
        planned_start -> Nullable<Date>,
        planned_end -> Nullable<Date>,
        status -> Text,
        curriculum_partner_id -> Nullable<Uuid>,
        curriculum_course -> Nullable<Text>,
        curriculum_academic_year -> Nullable<Text>,
        curriculum_students -> Nullable<Int4>,
        carried_over_from -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    action_partners (action_id, partner_id) {
        action_id -> Uuid,
        alliance_id -> Uuid,
        partner_id -> Uuid,
    }
}

diesel::table! {
    comments (id) {
        id -> Uuid,
        alliance_id -> Uuid,
        action_id -> Uuid,
        author_id -> Uuid,
        body -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    endorsements (action_id, partner_id) {
        action_id -> Uuid,
        alliance_id -> Uuid,
        partner_id -> Uuid,
        endorsed_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    indicators (id) {
        id -> Uuid,
        alliance_id -> Uuid,
        action_id -> Uuid,
        catalogue -> Nullable<Text>,
        name -> Text,
        unit -> Text,
        target -> Nullable<Float8>,
        created_at -> Timestamptz,
        measurement_count -> Int8,
        verified_sum -> Float8,
        unverified_sum -> Float8,
        confirmed_sum -> Float8,
        verified_count -> Int8,
    }
}

diesel::table! {
    measurements (id) {
        id -> Uuid,
        alliance_id -> Uuid,
        indicator_id -> Uuid,
        value -> Float8,
        measured_on -> Date,
        evidence_url -> Nullable<Text>,
        note -> Nullable<Text>,
        recorded_by -> Uuid,
        partner_id -> Uuid,
        review_status -> Nullable<Text>,
        reviewed_by -> Nullable<Uuid>,
        reviewer_partner_id -> Nullable<Uuid>,
        review_reason -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    events (id) {
        id -> Uuid,
        alliance_id -> Uuid,
        title -> Text,
        kind -> Text,
        description -> Text,
        starts_at -> Timestamptz,
        ends_at -> Nullable<Timestamptz>,
        place -> Nullable<Text>,
        attendance -> Nullable<Int4>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    event_partners (event_id, partner_id) {
        event_id -> Uuid,
        alliance_id -> Uuid,
        partner_id -> Uuid,
    }
}

diesel::table! {
    event_actions (event_id, action_id) {
        event_id -> Uuid,
        alliance_id -> Uuid,
        action_id -> Uuid,
    }
}

diesel::table! {
    votes (id) {
        id -> Uuid,
        alliance_id -> Uuid,
        title -> Text,
        description -> Text,
        subject -> Text,
        subject_id -> Nullable<Uuid>,
        method -> Text,
        options -> Jsonb,
        electorate -> Text,
        quorum_percent -> Int2,
        threshold -> Nullable<Text>,
        by_college -> Bool,
        secret -> Bool,
        results -> Text,
        opens_at -> Timestamptz,
        closes_at -> Timestamptz,
        status -> Text,
        opened_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        closed_by -> Nullable<Uuid>,
        result -> Nullable<Jsonb>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    vote_electorate (vote_id, voter_id) {
        vote_id -> Uuid,
        voter_id -> Uuid,
        college -> Nullable<Text>,
    }
}

diesel::table! {
    ballots (vote_id, voter_id) {
        vote_id -> Uuid,
        voter_id -> Uuid,
        cast_by -> Uuid,
        choice -> Jsonb,
        cast_at -> Timestamptz,
    }
}

diesel::table! {
    vote_participants (vote_id, voter_id) {
        vote_id -> Uuid,
        voter_id -> Uuid,
    }
}

diesel::table! {
    vote_secret_choices (id) {
        id -> Uuid,
        vote_id -> Uuid,
        choice -> Jsonb,
    }
}

diesel::table! {
    labels (id) {
        id -> Uuid,
        alliance_id -> Uuid,
        academic_year -> Text,
        status -> Text,
        kinds_present -> Array<Text>,
        kinds_missing -> Array<Text>,
        application_note -> Text,
        decision_note -> Nullable<Text>,
        applied_by -> Nullable<Uuid>,
        decided_by -> Nullable<Uuid>,
        applied_at -> Timestamptz,
        decided_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// Kept by triggers (migration 000009): public actions by theme and status, per plan.
    plan_action_counts (plan_id, theme, status) {
        plan_id -> Uuid,
        theme -> Text,
        status -> Text,
        count -> Int8,
        verified -> Int8,
    }
}

diesel::table! {
    /// Kept by triggers (migration 000009): catalogue indicator totals, per plan.
    plan_indicator_totals (plan_id, catalogue, unit) {
        plan_id -> Uuid,
        catalogue -> Text,
        unit -> Text,
        verified -> Float8,
        unverified -> Float8,
        measurements -> Int8,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(alliances -> cities (city_id));
diesel::joinable!(labels -> alliances (alliance_id));
diesel::joinable!(partners -> alliances (alliance_id));
diesel::joinable!(mandates -> users (user_id));
diesel::joinable!(mandates -> partners (partner_id));
diesel::joinable!(charter_signatures -> charters (charter_id));
diesel::joinable!(charter_signatures -> partners (partner_id));
diesel::joinable!(actions -> plans (plan_id));
diesel::joinable!(action_partners -> actions (action_id));
diesel::joinable!(comments -> actions (action_id));
diesel::joinable!(comments -> users (author_id));
diesel::joinable!(endorsements -> actions (action_id));
diesel::joinable!(indicators -> actions (action_id));
diesel::joinable!(measurements -> indicators (indicator_id));
diesel::joinable!(event_partners -> events (event_id));
diesel::joinable!(event_actions -> events (event_id));
diesel::joinable!(plan_action_counts -> plans (plan_id));
diesel::joinable!(plan_indicator_totals -> plans (plan_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    refresh_tokens,
    journal_entries,
    idempotency_keys,
    cities,
    alliances,
    partners,
    mandates,
    invitations,
    charters,
    charter_signatures,
    plans,
    actions,
    action_partners,
    comments,
    endorsements,
    indicators,
    measurements,
    events,
    event_partners,
    event_actions,
    votes,
    vote_electorate,
    ballots,
    vote_participants,
    vote_secret_choices,
    labels,
    plan_action_counts,
    plan_indicator_totals,
);
