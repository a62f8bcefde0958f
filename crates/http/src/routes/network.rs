//! The AVUF network view: public, cacheable, and free of personal data.
//!
//! Every answer carries `Cache-Control` and an `ETag` derived from the network's data
//! version (the sum of the journal chains' heads, every write being journaled), the
//! day and the request's normalised parameters: a front end or a proxy revalidates
//! with `If-None-Match` and gets 304. An unknown query parameter is 422, so that
//! `?x=1`, `?x=2`… cannot each be a new answer to compute.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};
use agir_app::network;
use agir_domain::error::filter_text;
use agir_domain::plan::{AcademicYear, ActionStatus, Theme};
use agir_persistence::network::{ActionSearch, ExportRow, NetworkFilter};
use agir_persistence::page::{self, DEFAULT_LIMIT, MAX_LIMIT};
use agir_persistence::{DbPool, pool};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::stream;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::{Semaphore, SemaphorePermit};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::choices;
use crate::problem::{ApiError, UnprocessableEntity};
use crate::state::AppState;

const CACHE_CONTROL: &str = "public, max-age=60";

/// Network filters: the parameters of `/network/stats`, and the first two of every
/// other network search. Unknown parameters are refused (422 `unknown_field`).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NetworkParams {
    /// Two consecutive years, `2025-2026`.
    #[param(pattern = "^[0-9]{4}-[0-9]{4}$")]
    pub academic_year: Option<String>,
    /// A region's exact name (`Île-de-France`).
    pub region: Option<String>,
}

/// The filters as the queries take them, checked and trimmed.
fn network_filter(
    academic_year: Option<&str>,
    region: Option<&str>,
) -> Result<NetworkFilter, ApiError> {
    Ok(NetworkFilter {
        academic_year: academic_year
            .map(|y| AcademicYear::parse("academic_year", y).map(|y| y.to_string()))
            .transpose()?,
        region: filter_text("region", region)?,
    })
}

/// What a network answer depends on besides its parameters: the data version and the
/// day (a granted label of a past year is reported expired).
struct Tag {
    etag: String,
    version: i64,
}

/// The ETag of a network answer, or a 304 when the client has it already. `key`
/// names the answer by its normalised parameters, never by the raw query string.
async fn revalidate(
    req: &HttpRequest,
    state: &AppState,
    today: NaiveDate,
    key: &str,
) -> Result<Result<Tag, HttpResponse>, ApiError> {
    let version = {
        let mut conn = pool::get(&state.pool).await?;
        network::version(&mut conn).await?
    };
    let mut hasher = Sha256::new();
    hasher.update(version.to_le_bytes());
    hasher.update(today.to_string().as_bytes());
    hasher.update(b"\n");
    hasher.update(key.as_bytes());
    let etag = format!("\"n{}\"", hex::encode(&hasher.finalize()[..12]));
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        // If-None-Match compares weakly: a proxy's W/ prefix still matches.
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        });
    if matches {
        return Ok(Err(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
            .finish()));
    }
    Ok(Ok(Tag { etag, version }))
}

/// Network answers already computed, by ETag, and the bound on computing new ones.
///
/// The ETag names the data version, the day and the normalised request, so an entry is
/// exact until the next write: the aggregates are computed once per version and
/// replica, not once per request. The cache holds at most [`Self::CAPACITY`] answers
/// and [`Self::MAX_BYTES`] bytes (oldest out first), and only the newest version's:
/// a newer version empties it, an answer of an older one is not kept.
///
/// At most a quarter of the pool's connections (at least one) compute answers at a
/// time; other requests wait for their turn up to the pool's wait timeout (then 503),
/// so a burst of uncached network requests leaves connections to everything else.
#[derive(Default)]
pub struct NetworkCache {
    entries: Mutex<Entries>,
    computing: OnceLock<Semaphore>,
}

#[derive(Default)]
struct Entries {
    version: i64,
    bodies: HashMap<String, web::Bytes>,
    /// ETags, oldest first.
    order: VecDeque<String>,
    bytes: usize,
}

impl NetworkCache {
    const CAPACITY: usize = 512;
    const MAX_BYTES: usize = 32 * 1024 * 1024;

    fn get(&self, etag: &str) -> Option<web::Bytes> {
        self.entries.lock().ok()?.bodies.get(etag).cloned()
    }

    fn put(&self, version: i64, etag: &str, body: web::Bytes) {
        let Ok(mut e) = self.entries.lock() else {
            return;
        };
        if version < e.version || body.len() > Self::MAX_BYTES / 4 {
            return;
        }
        if version > e.version {
            // Older versions are useless once the data moved on.
            *e = Entries {
                version,
                ..Entries::default()
            };
        }
        if e.bodies.contains_key(etag) {
            return;
        }
        while e.order.len() >= Self::CAPACITY || e.bytes + body.len() > Self::MAX_BYTES {
            let Some(oldest) = e.order.pop_front() else {
                break;
            };
            if let Some(old) = e.bodies.remove(&oldest) {
                e.bytes -= old.len();
            }
        }
        e.bytes += body.len();
        e.order.push_back(etag.to_owned());
        e.bodies.insert(etag.to_owned(), body);
    }

    /// A turn to compute an answer (see the type's documentation).
    async fn turn(&self, pool: &DbPool) -> Result<SemaphorePermit<'_>, ApiError> {
        let turns = self
            .computing
            .get_or_init(|| Semaphore::new((pool.status().max_size / 4).max(1)));
        let wait = pool.timeouts().wait.unwrap_or(Duration::from_secs(5));
        match tokio::time::timeout(wait, turns.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::Unavailable),
        }
    }
}

fn json_response(etag: &str, body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag.to_owned()))
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .content_type("application/json")
        .body(body)
}

fn cached_json<T: Serialize>(state: &AppState, tag: Tag, value: &T) -> HttpResponse {
    let body = web::Bytes::from(serde_json::to_vec(value).unwrap_or_default());
    state
        .network_cache
        .put(tag.version, &tag.etag, body.clone());
    json_response(&tag.etag, body)
}

/// The ETag of a network answer, a 304, or the cached answer itself.
async fn lookup(
    req: &HttpRequest,
    state: &AppState,
    today: NaiveDate,
    key: &str,
) -> Result<Result<Tag, HttpResponse>, ApiError> {
    Ok(match revalidate(req, state, today, key).await? {
        Ok(tag) => match state.network_cache.get(&tag.etag) {
            Some(body) => Err(json_response(&tag.etag, body)),
            None => Ok(tag),
        },
        Err(not_modified) => Err(not_modified),
    })
}

/// A turn to compute `tag`'s answer, or the answer itself when another request
/// computed it while this one waited for its turn.
async fn turn<'a>(
    state: &'a AppState,
    tag: &Tag,
) -> Result<Result<SemaphorePermit<'a>, HttpResponse>, ApiError> {
    let permit = state.network_cache.turn(&state.pool).await?;
    Ok(match state.network_cache.get(&tag.etag) {
        Some(body) => Err(json_response(&tag.etag, body)),
        None => Ok(permit),
    })
}

/// A cache key from a name and normalised values (a JSON array, so no value can fake
/// another).
fn key(name: &str, values: &impl Serialize) -> String {
    let values = serde_json::to_string(values).unwrap_or_default();
    format!("{name}\n{values}")
}

/// A granted label across the network.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a80",
    "alliance_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02",
    "alliance": "Alliance Agir Ensemble de Sceaux",
    "city": "Sceaux",
    "insee_code": "92071",
    "department": "Hauts-de-Seine",
    "region": "Île-de-France",
    "academic_year": "2025-2026",
    "status": "granted",
    "decided_at": "2025-11-02T10:00:00Z"
}))]
pub struct NetworkLabelResponse {
    pub id: Uuid,
    pub alliance_id: Uuid,
    pub alliance: String,
    pub city: String,
    pub insee_code: String,
    pub department: String,
    pub region: String,
    pub academic_year: String,
    /// `granted`, or `expired` for a past academic year.
    #[schema(value_type = choices::NetworkLabelStatus)]
    pub status: String,
    pub decided_at: Option<DateTime<Utc>>,
}

/// One page of labels.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NetworkLabelPage {
    pub items: Vec<NetworkLabelResponse>,
    /// `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Label filters. Unknown parameters are refused (422 `unknown_field`).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NetworkLabelParams {
    /// Two consecutive years, `2025-2026`.
    #[param(pattern = "^[0-9]{4}-[0-9]{4}$")]
    pub academic_year: Option<String>,
    /// A region's exact name (`Île-de-France`).
    pub region: Option<String>,
    /// `granted` or `expired`.
    #[param(value_type = Option<choices::NetworkLabelStatus>)]
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page; omit for the first page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

fn page_request<K: serde::de::DeserializeOwned>(
    limit: Option<i64>,
    cursor: Option<&str>,
) -> Result<(i64, Option<K>), ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "out_of_range",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let after = cursor
        .map(|c| {
            page::decode_cursor(c).ok_or_else(|| {
                ApiError::field(
                    "cursor",
                    "invalid_cursor",
                    "is not a cursor returned by this API",
                )
            })
        })
        .transpose()?;
    Ok((limit, after))
}

/// Granted labels across cities, filtered by academic year and region (public).
#[utoipa::path(
    tag = "network",
    params(NetworkLabelParams),
    responses(
        (status = 200, description = "A page of labels", body = NetworkLabelPage,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
    ),
    security(())
)]
#[get("/labels")]
pub async fn network_labels(
    req: HttpRequest,
    state: web::Data<AppState>,
    labels: web::Query<NetworkLabelParams>,
) -> Result<HttpResponse, ApiError> {
    let filter = network_filter(labels.academic_year.as_deref(), labels.region.as_deref())?;
    if let Some(status) = labels.status.as_deref()
        && status != "granted"
        && status != "expired"
    {
        return Err(ApiError::field(
            "status",
            "invalid_choice",
            "must be granted or expired",
        ));
    }
    let (limit, after) = page_request::<Uuid>(labels.limit, labels.cursor.as_deref())?;
    let today = Utc::now().date_naive();
    let key = key(
        "labels",
        &(
            &filter.academic_year,
            &filter.region,
            &labels.status,
            limit,
            after,
        ),
    );
    let tag = match lookup(&req, &state, today, &key).await? {
        Ok(tag) => tag,
        Err(not_modified) => return Ok(not_modified),
    };
    let _turn = match turn(&state, &tag).await? {
        Ok(turn) => turn,
        Err(cached) => return Ok(cached),
    };
    let mut conn = pool::get(&state.pool).await?;
    let page = network::labels(
        &mut conn,
        &filter,
        labels.status.as_deref(),
        today,
        after,
        limit,
    )
    .await?
    .map(|l| NetworkLabelResponse {
        id: l.id.0,
        alliance_id: l.alliance_id.0,
        alliance: l.alliance,
        city: l.city,
        insee_code: l.insee_code,
        department: l.department,
        region: l.region,
        academic_year: l.academic_year,
        status: l.status,
        decided_at: l.decided_at,
    });
    Ok(cached_json(
        &state,
        tag,
        &NetworkLabelPage {
            items: page.items,
            next_cursor: page.next_cursor,
        },
    ))
}

/// Sums of a catalogue indicator across the network.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IndicatorTotalResponse {
    pub catalogue: String,
    pub unit: String,
    /// Measurements with evidence confirmed by another partner.
    pub verified: f64,
    /// Every other measurement, reported apart.
    pub unverified: f64,
    pub measurements: i64,
}

/// The network in numbers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "academic_year": "2025-2026",
    "region": null,
    "alliances": {"total": 2, "by_status": {"active": 2}, "by_region": {"Île-de-France": 2}},
    "labels": {"by_status": {"granted": 1, "applied": 1}, "by_region": {"Île-de-France": {"granted": 1, "applied": 1}}},
    "partners": {"total": 10, "by_kind": {"school": 3}, "by_college": {"higher_education": 5}},
    "actions": {"total": 6, "by_theme": {"food": 2}, "by_status": {"completed": 2}},
    "indicators": [{"catalogue": "food_collected_kg", "unit": "kg", "verified": 92.0, "unverified": 0.0, "measurements": 1}]
}))]
pub struct NetworkStats {
    pub academic_year: Option<String>,
    pub region: Option<String>,
    pub alliances: AllianceStats,
    pub labels: LabelStats,
    pub partners: PartnerStats,
    pub actions: ActionStats,
    /// Catalogue indicators, summed across cities.
    pub indicators: Vec<IndicatorTotalResponse>,
}

/// Alliances by status and region.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct AllianceStats {
    pub total: i64,
    pub by_status: BTreeMap<String, i64>,
    pub by_region: BTreeMap<String, i64>,
}

/// Labels by status (`expired` for granted labels of past years) and by region.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct LabelStats {
    pub by_status: BTreeMap<String, i64>,
    pub by_region: BTreeMap<String, BTreeMap<String, i64>>,
}

/// Active partners by kind and college.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct PartnerStats {
    pub total: i64,
    pub by_kind: BTreeMap<String, i64>,
    pub by_college: BTreeMap<String, i64>,
}

/// Actions of public plans by theme and status.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ActionStats {
    pub total: i64,
    pub by_theme: BTreeMap<String, i64>,
    pub by_status: BTreeMap<String, i64>,
}

/// Network statistics (public): alliances and labels by status and region, partners
/// by kind and college, actions by theme and status, catalogue indicator totals with
/// verified and unverified apart.
#[utoipa::path(
    tag = "network",
    params(NetworkParams),
    responses(
        (status = 200, description = "The statistics", body = NetworkStats,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
    ),
    security(())
)]
#[get("/stats")]
pub async fn network_stats(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<NetworkParams>,
) -> Result<HttpResponse, ApiError> {
    let filter = network_filter(params.academic_year.as_deref(), params.region.as_deref())?;
    let today = Utc::now().date_naive();
    let key = key("stats", &(&filter.academic_year, &filter.region));
    let tag = match lookup(&req, &state, today, &key).await? {
        Ok(tag) => tag,
        Err(not_modified) => return Ok(not_modified),
    };
    let _turn = match turn(&state, &tag).await? {
        Ok(turn) => turn,
        Err(cached) => return Ok(cached),
    };
    let conn = pool::get(&state.pool).await?;
    let stats = network::stats(&conn, &filter, today).await?;
    drop(conn);
    let out = NetworkStats {
        academic_year: filter.academic_year,
        region: filter.region,
        alliances: AllianceStats {
            total: stats.alliances.total,
            by_status: stats.alliances.by_status,
            by_region: stats.alliances.by_region,
        },
        labels: LabelStats {
            by_status: stats.labels.by_status,
            by_region: stats.labels.by_region,
        },
        partners: PartnerStats {
            total: stats.partners.total,
            by_kind: stats.partners.by_kind,
            by_college: stats.partners.by_college,
        },
        actions: ActionStats {
            total: stats.actions.total,
            by_theme: stats.actions.by_theme,
            by_status: stats.actions.by_status,
        },
        indicators: stats
            .indicators
            .into_iter()
            .map(|i| IndicatorTotalResponse {
                catalogue: i.catalogue,
                unit: i.unit,
                verified: i.verified,
                unverified: i.unverified,
                measurements: i.measurements,
            })
            .collect(),
    };
    Ok(cached_json(&state, tag, &out))
}

/// A measured result of a found action.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NetworkResult {
    #[schema(value_type = Option<choices::Catalogue>)]
    pub catalogue: Option<String>,
    pub name: String,
    pub unit: String,
    pub target: Option<f64>,
    /// Confirmed by another partner.
    pub confirmed_total: f64,
    pub verified: bool,
}

/// A public action, found across cities.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a20",
    "title": "Compost collectif en résidence étudiante",
    "description": "Installer et animer un composteur partagé",
    "theme": "waste",
    "status": "completed",
    "sdgs": [11, 12],
    "academic_year": "2025-2026",
    "alliance_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02",
    "alliance": "Alliance Agir Ensemble de Sceaux",
    "city": "Sceaux",
    "region": "Île-de-France",
    "lead_partner": {"id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03", "name": "Ecolo'phi"},
    "proposing_partner": {"id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03", "name": "Ecolo'phi"},
    "verification": "verified",
    "results": [{"catalogue": "compost_kg", "name": "Compost produit", "unit": "kg", "target": 500.0, "confirmed_total": 320.0, "verified": true}]
}))]
pub struct NetworkActionResponse {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    #[schema(value_type = choices::Theme)]
    pub theme: String,
    #[schema(value_type = choices::NetworkActionStatus)]
    pub status: String,
    pub sdgs: Vec<i16>,
    pub academic_year: String,
    pub alliance_id: Uuid,
    pub alliance: String,
    pub city: String,
    pub region: String,
    pub lead_partner: PartnerRef,
    pub proposing_partner: PartnerRef,
    /// `verified` or `unverified`.
    #[schema(value_type = choices::Verification)]
    pub verification: String,
    pub results: Vec<NetworkResult>,
}

/// A partner, by id and name.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PartnerRef {
    pub id: Uuid,
    pub name: String,
}

/// One page of found actions.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NetworkActionPage {
    pub items: Vec<NetworkActionResponse>,
    /// `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Action search parameters. Unknown parameters are refused (422 `unknown_field`).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NetworkActionParams {
    /// Two consecutive years, `2025-2026`.
    #[param(pattern = "^[0-9]{4}-[0-9]{4}$")]
    pub academic_year: Option<String>,
    /// A region's exact name (`Île-de-France`).
    pub region: Option<String>,
    #[param(value_type = Option<choices::Theme>)]
    pub theme: Option<String>,
    /// `adopted`, `in_progress` or `completed`.
    #[param(value_type = Option<choices::NetworkActionStatus>)]
    pub status: Option<String>,
    /// Words to find in titles and descriptions (French full-text search: "compost",
    /// "collecte fruits").
    #[param(max_length = 200)]
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page; omit for the first page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// Search adopted, running and completed actions across cities (public), so that a
/// good practice of one city can be found by another.
#[utoipa::path(
    tag = "network",
    params(NetworkActionParams),
    responses(
        (status = 200, description = "A page of actions", body = NetworkActionPage,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
    ),
    security(())
)]
#[get("/actions")]
pub async fn network_actions(
    req: HttpRequest,
    state: web::Data<AppState>,
    search: web::Query<NetworkActionParams>,
) -> Result<HttpResponse, ApiError> {
    let filter = network_filter(search.academic_year.as_deref(), search.region.as_deref())?;
    let theme = search
        .theme
        .as_deref()
        .map(|t| Theme::parse("theme", t))
        .transpose()?;
    let status = search
        .status
        .as_deref()
        .map(|s| ActionStatus::parse("status", s))
        .transpose()?;
    if status.is_some_and(|s| {
        !matches!(
            s,
            ActionStatus::Adopted | ActionStatus::InProgress | ActionStatus::Completed
        )
    }) {
        return Err(ApiError::field(
            "status",
            "invalid_choice",
            "must be adopted, in_progress or completed",
        ));
    }
    let text = filter_text("q", search.q.as_deref())?;
    if text.as_ref().is_some_and(|q| q.chars().count() > 200) {
        return Err(ApiError::field(
            "q",
            "too_long",
            "must be at most 200 characters",
        ));
    }
    let (limit, after) = page_request::<page::TimeKey>(search.limit, search.cursor.as_deref())?;
    let query = ActionSearch {
        network: filter,
        theme: theme.map(|t| t.as_str().to_owned()),
        status: status.map(|s| s.as_str().to_owned()),
        text,
    };
    let key = key(
        "actions",
        &(
            &query.network.academic_year,
            &query.network.region,
            &query.theme,
            &query.status,
            &query.text,
            limit,
            after.as_ref().map(|k| (k.created_at, k.id)),
        ),
    );
    let tag = match lookup(&req, &state, Utc::now().date_naive(), &key).await? {
        Ok(tag) => tag,
        Err(not_modified) => return Ok(not_modified),
    };
    let _turn = match turn(&state, &tag).await? {
        Ok(turn) => turn,
        Err(cached) => return Ok(cached),
    };
    let mut conn = pool::get(&state.pool).await?;
    let page = network::actions(&mut conn, &query, after, limit)
        .await?
        .map(|found| {
            let a = found.action;
            NetworkActionResponse {
                results: found
                    .results
                    .into_iter()
                    .map(|i| NetworkResult {
                        catalogue: i.catalogue.map(|c| c.as_str().to_owned()),
                        name: i.name,
                        unit: i.unit,
                        target: i.target,
                        confirmed_total: i.confirmed_total,
                        verified: i.verified,
                    })
                    .collect(),
                verification: if a.verified {
                    "verified".into()
                } else {
                    "unverified".into()
                },
                id: a.id.0,
                title: a.title,
                description: a.description,
                theme: a.theme,
                status: a.status,
                sdgs: a.sdgs,
                academic_year: a.academic_year,
                alliance_id: a.alliance_id.0,
                alliance: a.alliance,
                city: a.city,
                region: a.region,
                lead_partner: PartnerRef {
                    id: a.lead_partner_id.0,
                    name: a.lead_partner,
                },
                proposing_partner: PartnerRef {
                    id: a.proposing_partner_id.0,
                    name: a.proposing_partner,
                },
            }
        });
    Ok(cached_json(
        &state,
        tag,
        &NetworkActionPage {
            items: page.items,
            next_cursor: page.next_cursor,
        },
    ))
}

const RESOURCES: [&str; 5] = ["labels", "alliances", "partners", "actions", "indicators"];
const BATCH: i64 = 1000;

/// Exports take no query parameter: any one is refused (422 `unknown_field`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// Export a resource of the whole network (public): `labels`, `alliances`,
/// `partners`, `actions` or `indicators`, as `.csv` (UTF-8, header row, RFC 4180
/// quoting) or `.json` (an array of objects with the same fields), streamed in
/// batches. No personal data: no user appears in any export.
///
/// The actions and indicators exports hold the actions the search finds: adopted,
/// running or completed actions of adopted or closed plans. Any query parameter is
/// refused (422 `unknown_field`).
///
/// CSV text cells that start with `=`, `+`, `-`, `@`, a tab or a carriage return get a
/// leading `'`, so that a spreadsheet shows them as text instead of running them as a
/// formula (OWASP's CSV injection rule). Numeric columns (`active_partners`, `target`,
/// `total`, `verified_total`) are computed by the server and stay numbers. JSON
/// exports give every value unchanged.
#[utoipa::path(
    tag = "network",
    params(("file" = String, Path, description = "`<resource>.csv` or `<resource>.json`, resource one of labels, alliances, partners, actions, indicators", example = "actions.csv")),
    responses(
        (status = 422, response = UnprocessableEntity),
        (status = 200, description = "The export", content(
            (String = "text/csv", example = "id,name,city,insee_code,department,region,status,active_partners\n0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02,Alliance Agir Ensemble de Sceaux,Sceaux,92071,Hauts-de-Seine,Île-de-France,active,7\n"),
            (Vec<Object> = "application/json")
        ), headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
    ),
    security(())
)]
#[get("/exports/{file}")]
pub async fn network_export(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    _params: web::Query<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let file = path.into_inner();
    let (resource, format) = file
        .rsplit_once('.')
        .filter(|(r, f)| RESOURCES.contains(r) && (*f == "csv" || *f == "json"))
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no export named {file}; try one of {}.csv or .json",
                RESOURCES.join(", ")
            ))
        })?;
    let today = Utc::now().date_naive();
    let etag = match revalidate(&req, &state, today, &key("exports", &[&file])).await? {
        Ok(tag) => tag.etag,
        Err(not_modified) => return Ok(not_modified),
    };
    let csv = format == "csv";
    let body = export_stream(state.pool.clone(), resource.to_owned(), csv, today);
    let content_type = if csv {
        "text/csv; charset=utf-8"
    } else {
        "application/json"
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .insert_header((
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
                .unwrap_or(HeaderValue::from_static("attachment")),
        ))
        .streaming(body))
}

/// Where an export stream stands.
struct ExportState {
    pool: DbPool,
    resource: String,
    csv: bool,
    today: NaiveDate,
    after: Option<Uuid>,
    first: bool,
    done: bool,
}

/// The export, a batch at a time: memory stays bounded whatever the network's size.
fn export_stream(
    pool: DbPool,
    resource: String,
    csv: bool,
    today: NaiveDate,
) -> impl futures_util::Stream<Item = Result<web::Bytes, actix_web::Error>> {
    let start = ExportState {
        pool,
        resource,
        csv,
        today,
        after: None,
        first: true,
        done: false,
    };
    stream::unfold(start, |mut s| async move {
        if s.done {
            return None;
        }
        let batch = async {
            let mut conn = pool::get(&s.pool).await?;
            network::export_batch(&mut conn, &s.resource, s.after, BATCH, s.today).await
        }
        .await;
        let rows = match batch {
            Ok(rows) => rows,
            Err(err) => {
                // The status line is sent; all we can do is cut the body short and log.
                tracing::error!(error = %err, "export interrupted");
                s.done = true;
                return Some((Err(ApiError::from(err).into()), s));
            }
        };
        let last = rows.len() < usize::try_from(BATCH).unwrap_or(usize::MAX);
        s.after = rows.last().map(|(id, _)| *id).or(s.after);
        let bytes = if s.csv {
            csv_chunk(&s.resource, &rows, s.first)
        } else {
            json_chunk(&rows, s.first, last)
        };
        s.first = false;
        s.done = last;
        Some((Ok(web::Bytes::from(bytes)), s))
    })
}

/// A text cell as a spreadsheet must read it: one that starts like a formula (`=`,
/// `+`, `-`, `@`, a tab or a carriage return) gets a leading `'` (OWASP CSV injection).
fn csv_text(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

fn csv_chunk(resource: &str, rows: &[(Uuid, ExportRow)], header: bool) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if header {
        let _ = writer.write_record(agir_persistence::network::export_columns(resource));
    }
    for (_, row) in rows {
        // Numbers the server computed stay numbers (a leading `'` would make them
        // text that no spreadsheet sums); everything else is text someone typed.
        let _ = writer.write_record(row.iter().map(|(column, value)| {
            if agir_persistence::network::is_numeric_column(resource, column) {
                Cow::Borrowed(value.as_bytes())
            } else {
                match csv_text(value) {
                    Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
                    Cow::Owned(text) => Cow::Owned(text.into_bytes()),
                }
            }
        }));
    }
    writer.into_inner().unwrap_or_default()
}

fn json_chunk(rows: &[(Uuid, ExportRow)], first: bool, last: bool) -> Vec<u8> {
    let mut out = String::new();
    if first {
        out.push('[');
    }
    for (i, (_, row)) in rows.iter().enumerate() {
        if !(first && i == 0) {
            out.push(',');
        }
        let object: serde_json::Map<String, serde_json::Value> = row
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
            .collect();
        out.push_str(&serde_json::Value::Object(object).to_string());
    }
    if last {
        out.push(']');
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_text_neutralises_what_a_spreadsheet_would_run() {
        for cell in ["=1+1", "+33", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_text(cell), format!("'{cell}"));
        }
        for cell in ["Compost", "", "1-2", "a=b", "'=x"] {
            assert_eq!(csv_text(cell), cell);
        }
    }

    #[test]
    fn numeric_columns_are_left_as_numbers() {
        let rows = vec![(
            Uuid::nil(),
            vec![
                ("id", "x".to_owned()),
                ("action", "=HYPERLINK(\"http://evil.example/\")".to_owned()),
                ("target", "-1".to_owned()),
            ],
        )];
        let text = String::from_utf8(csv_chunk("indicators", &rows, false)).unwrap();
        assert_eq!(text, "x,\"'=HYPERLINK(\"\"http://evil.example/\"\")\",-1\n");
    }
}
