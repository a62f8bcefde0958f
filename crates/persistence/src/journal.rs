//! The journal table: appended by [`append`] inside the caller's transaction,
//! read by members, verified by recomputing the chain.

use agir_domain::ids::{AllianceId, PartnerId, UserId};
use agir_domain::journal::{
    ChainCheck, ChainVerifier, EntryContent, Event, GENESIS_HASH, StoredEntry,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Nullable;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, TransactionManager};
use serde_json::Value;
use uuid::Uuid;

use crate::page::{Page, PageRequest};
use crate::schema::journal_entries as je;
use crate::{PersistenceError, Result};

/// Who did it, for the journal.
#[derive(Debug, Clone, Copy, Default)]
pub struct Actor {
    pub user: Option<UserId>,
    pub partner: Option<PartnerId>,
}

impl Actor {
    pub fn user(user: UserId) -> Self {
        Self {
            user: Some(user),
            partner: None,
        }
    }

    pub fn system() -> Self {
        Self::default()
    }
}

/// A journal entry to append, in its raw form: writes record a typed [`Event`]
/// through [`append`]; this form is for entries no event describes (tests).
/// The summary is small and never holds secrets (no password hash, token, or a
/// secret ballot's choice).
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// `None` writes to the platform chain.
    pub alliance: Option<AllianceId>,
    pub actor: Actor,
    pub verb: &'static str,
    pub subject_type: &'static str,
    pub subject_id: Option<Uuid>,
    pub summary: Value,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    pub id: Uuid,
    /// `None` in the platform chain.
    pub alliance: Option<AllianceId>,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_user: Option<UserId>,
    pub actor_partner: Option<PartnerId>,
    pub verb: String,
    pub subject_type: String,
    /// The subject's id; its kind is `subject_type`.
    pub subject_id: Option<Uuid>,
    pub summary: Value,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = je, check_for_backend(diesel::pg::Pg))]
struct JournalRow {
    id: Uuid,
    alliance_id: Option<Uuid>,
    seq: i64,
    at: DateTime<Utc>,
    actor_user_id: Option<Uuid>,
    actor_partner_id: Option<Uuid>,
    verb: String,
    subject_type: String,
    subject_id: Option<Uuid>,
    summary: Value,
    prev_hash: String,
    hash: String,
}

impl From<JournalRow> for JournalEntry {
    fn from(r: JournalRow) -> Self {
        Self {
            id: r.id,
            alliance: r.alliance_id.map(AllianceId),
            seq: r.seq,
            at: r.at,
            actor_user: r.actor_user_id.map(UserId),
            actor_partner: r.actor_partner_id.map(PartnerId),
            verb: r.verb,
            subject_type: r.subject_type,
            subject_id: r.subject_id,
            summary: r.summary,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

impl JournalEntry {
    /// The entry as the chain hashes it.
    pub fn to_stored(&self) -> StoredEntry {
        StoredEntry {
            content: EntryContent {
                alliance_id: self.alliance.map(|a| a.0),
                seq: self.seq,
                at: self.at,
                actor_user_id: self.actor_user.map(|u| u.0),
                actor_partner_id: self.actor_partner.map(|p| p.0),
                verb: self.verb.clone(),
                subject_type: self.subject_type.clone(),
                subject_id: self.subject_id,
                summary: self.summary.clone(),
            },
            prev_hash: self.prev_hash.clone(),
            hash: self.hash.clone(),
        }
    }
}

diesel::define_sql_function! {
    /// Takes the chain's lock, then reads its head: the last sequence number and hash,
    /// both NULL for an empty chain (migration 000012). One statement, whose read
    /// sees every entry committed before the lock was granted.
    fn journal_head_locked(
        alliance: Nullable<diesel::sql_types::Uuid>,
    ) -> Record<(Nullable<BigInt>, Nullable<Text>)>;
}

/// Records a write: appends its event to the alliance's chain (`None`: the
/// platform chain), inside the transaction of the write (see [`append_entry`]).
pub async fn append(
    conn: &mut AsyncPgConnection,
    alliance: Option<AllianceId>,
    actor: Actor,
    event: &Event,
) -> Result<JournalEntry> {
    append_entry(
        conn,
        NewEntry {
            alliance,
            actor,
            verb: event.verb(),
            subject_type: event.subject_type(),
            subject_id: Some(event.subject_id()),
            summary: event.summary(),
        },
    )
    .await
}

/// Appends an entry to its chain. Must run inside the transaction of the write it
/// records: the entry and the write commit together or not at all. Concurrent
/// writers of one chain queue on a transaction-scoped advisory lock
/// (`journal_chain_lock`, which the plan totals triggers take too).
pub async fn append_entry(conn: &mut AsyncPgConnection, entry: NewEntry) -> Result<JournalEntry> {
    let in_transaction = matches!(
        <AsyncPgConnection as AsyncConnection>::TransactionManager::transaction_manager_status_mut(
            conn
        )
        .transaction_depth(),
        Ok(Some(_))
    );
    if !in_transaction {
        return Err(PersistenceError::Corrupt(
            "journal::append called outside a transaction".into(),
        ));
    }
    let alliance = entry.alliance.map(|a| a.0);
    let head: (Option<i64>, Option<String>) = diesel::select(journal_head_locked(alliance))
        .get_result(conn)
        .await?;
    let last = match head {
        (Some(seq), Some(hash)) => Some((seq, hash)),
        _ => None,
    };
    let (seq, prev_hash) = last.map_or((1, GENESIS_HASH.to_owned()), |(s, h)| (s + 1, h));
    let now = Utc::now();
    // PostgreSQL keeps microseconds: hash exactly what will be read back.
    let at = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    let content = EntryContent {
        alliance_id: alliance,
        seq,
        at,
        actor_user_id: entry.actor.user.map(|u| u.0),
        actor_partner_id: entry.actor.partner.map(|p| p.0),
        verb: entry.verb.to_owned(),
        subject_type: entry.subject_type.to_owned(),
        subject_id: entry.subject_id,
        summary: entry.summary,
    };
    let hash = content.hash(&prev_hash);
    let row = JournalRow {
        id: Uuid::now_v7(),
        alliance_id: content.alliance_id,
        seq,
        at,
        actor_user_id: content.actor_user_id,
        actor_partner_id: content.actor_partner_id,
        verb: content.verb,
        subject_type: content.subject_type,
        subject_id: content.subject_id,
        summary: content.summary,
        prev_hash,
        hash,
    };
    diesel::insert_into(je::table)
        .values(&row)
        .execute(conn)
        .await?;
    Ok(row.into())
}

/// A page of a chain in sequence order; the cursor is the last sequence number.
pub async fn list(
    conn: &mut AsyncPgConnection,
    alliance: Option<AllianceId>,
    page: &PageRequest<i64>,
) -> Result<Page<JournalEntry>> {
    let rows = load_after(conn, alliance, page.after.unwrap_or(0), page.fetch_limit()).await?;
    Ok(Page::from_rows(rows, page.limit, |e| e.seq))
}

async fn load_after(
    conn: &mut AsyncPgConnection,
    alliance: Option<AllianceId>,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<JournalEntry>> {
    let mut query = je::table
        .select(JournalRow::as_select())
        .filter(je::seq.gt(after_seq))
        .order(je::seq)
        .limit(limit)
        .into_boxed();
    query = match alliance {
        Some(id) => query.filter(je::alliance_id.eq(id.0)),
        None => query.filter(je::alliance_id.is_null()),
    };
    let rows: Vec<JournalRow> = query.load(conn).await?;
    Ok(rows.into_iter().map(JournalEntry::from).collect())
}

/// Recomputes a whole chain, a thousand entries at a time.
pub async fn verify(
    conn: &mut AsyncPgConnection,
    alliance: Option<AllianceId>,
) -> Result<ChainCheck> {
    const BATCH: i64 = 1000;
    let mut verifier = ChainVerifier::new();
    let mut after = 0;
    loop {
        let batch = load_after(conn, alliance, after, BATCH).await?;
        for entry in &batch {
            verifier.push(&entry.to_stored());
        }
        match batch.last() {
            Some(last) if batch.len() as i64 == BATCH => after = last.seq,
            _ => break,
        }
    }
    Ok(verifier.finish())
}
