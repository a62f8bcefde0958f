//! Stored answers for `POST` retries carrying an `Idempotency-Key`.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use crate::Result;
use crate::schema::idempotency_keys as ik;

/// How long an answer is kept for replay.
pub const RETENTION_HOURS: i64 = 24;
/// A claim still unanswered after this long is taken to be abandoned.
pub const IN_FLIGHT_TIMEOUT_SECS: i64 = 60;

/// An answer as first sent.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub status: u16,
    /// Selected headers (`content-type`, `location`, `etag`) as a JSON object of strings.
    pub headers: Value,
    pub body: Vec<u8>,
}

/// What a key leads to when a request arrives.
#[derive(Debug, Clone)]
pub enum Claim {
    /// First use: the request runs, then [`complete`] or [`release`] is called.
    Fresh,
    /// Same key, same request, answered before: send that answer again.
    Replay(StoredResponse),
    /// Same key, another request body or path.
    Mismatch,
    /// Same key, the first request is still running.
    InFlight,
}

/// Claims a key for a request, atomically. `path` is the request's path with its
/// UUID segments in canonical form, kept so that [`forget_path`] can find it.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    scope: &str,
    key: &str,
    request_hash: &str,
    path: &str,
) -> Result<Claim> {
    let now = Utc::now();
    let expired_before = now - Duration::hours(RETENTION_HOURS);
    let abandoned_before = now - Duration::seconds(IN_FLIGHT_TIMEOUT_SECS);
    // Forget an expired answer under this key, or a claim whose request never
    // finished (the process died), then try to take the key.
    diesel::delete(
        ik::table
            .filter(ik::scope.eq(scope))
            .filter(ik::key.eq(key))
            .filter(
                ik::created_at.lt(expired_before).or(ik::status
                    .is_null()
                    .and(ik::created_at.lt(abandoned_before))),
            ),
    )
    .execute(conn)
    .await?;
    let inserted = diesel::insert_into(ik::table)
        .values((
            ik::scope.eq(scope),
            ik::key.eq(key),
            ik::request_hash.eq(request_hash),
            ik::path.eq(path),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    let existing: Option<KeyRow> = ik::table
        .filter(ik::scope.eq(scope))
        .filter(ik::key.eq(key))
        .select((
            ik::request_hash,
            ik::status,
            ik::response_headers,
            ik::response_body,
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(match existing {
        None => Claim::InFlight,
        Some((hash, _, _, _)) if hash != request_hash => Claim::Mismatch,
        Some((_, Some(status), headers, body)) => Claim::Replay(StoredResponse {
            status: u16::try_from(status).unwrap_or(500),
            headers: headers.unwrap_or(Value::Null),
            body: body.unwrap_or_default(),
        }),
        Some((_, None, _, _)) => Claim::InFlight,
    })
}

/// A key's request hash and, once answered, its answer.
type KeyRow = (String, Option<i16>, Option<Value>, Option<Vec<u8>>);

/// Keeps the answer of a claimed key.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    scope: &str,
    key: &str,
    response: &StoredResponse,
) -> Result<()> {
    diesel::update(ik::table.find((scope, key)))
        .set((
            ik::status.eq(i16::try_from(response.status).unwrap_or(500)),
            ik::response_headers.eq(&response.headers),
            ik::response_body.eq(&response.body),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Frees a claimed key whose request failed on our side, so a retry can run.
pub async fn release(conn: &mut AsyncPgConnection, scope: &str, key: &str) -> Result<()> {
    diesel::delete(ik::table.find((scope, key)).filter(ik::status.is_null()))
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets every key used on one path, answered or not; returns how many. A secret
/// vote's ballots are forgotten when it closes: their request hash covers the body, and
/// a ballot body has few enough possible values to be found again from its hash.
pub async fn forget_path(conn: &mut AsyncPgConnection, path: &str) -> Result<usize> {
    Ok(diesel::delete(ik::table.filter(ik::path.eq(path)))
        .execute(conn)
        .await?)
}

/// Deletes answers past their retention; returns how many.
pub async fn purge_expired(conn: &mut AsyncPgConnection) -> Result<usize> {
    let before = Utc::now() - Duration::hours(RETENTION_HOURS);
    Ok(diesel::delete(ik::table.filter(ik::created_at.lt(before)))
        .execute(conn)
        .await?)
}
