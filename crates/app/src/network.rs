//! The AVUF network view: public, and free of personal data. The read models come
//! from persistence; this module assembles them (statistics by status, region, kind,
//! college; found actions with their measured results). Caching and the HTTP
//! revalidation headers are the HTTP crate's.

use std::collections::{BTreeMap, HashMap};

use agir_domain::alliance::PartnerKind;
use agir_domain::ids::ActionId;
use agir_persistence::AsyncPgConnection;
use agir_persistence::network::{
    self, ActionSearch, ExportRow, IndicatorTotal, NetworkAction, NetworkFilter, NetworkLabel,
};
use agir_persistence::page::{Page, TimeKey};
use agir_persistence::results::{self, Indicator};
use chrono::NaiveDate;
use uuid::Uuid;

use crate::error::Result;

/// The network's data version: it rises with every committed write.
pub async fn version(conn: &mut AsyncPgConnection) -> Result<i64> {
    Ok(network::version(conn).await?)
}

/// Alliances by status and region.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AllianceCounts {
    pub total: i64,
    pub by_status: BTreeMap<String, i64>,
    pub by_region: BTreeMap<String, i64>,
}

/// Labels by status (`expired` for granted labels of past years) and by region.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelCounts {
    pub by_status: BTreeMap<String, i64>,
    pub by_region: BTreeMap<String, BTreeMap<String, i64>>,
}

/// Active partners by kind and college.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartnerCounts {
    pub total: i64,
    pub by_kind: BTreeMap<String, i64>,
    pub by_college: BTreeMap<String, i64>,
}

/// Actions of public plans by theme and status.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionCounts {
    pub total: i64,
    pub by_theme: BTreeMap<String, i64>,
    pub by_status: BTreeMap<String, i64>,
}

/// The network in numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub alliances: AllianceCounts,
    pub labels: LabelCounts,
    pub partners: PartnerCounts,
    pub actions: ActionCounts,
    /// Catalogue indicators, summed across cities.
    pub indicators: Vec<IndicatorTotal>,
}

/// The network's statistics under `filter`, judged on `today` (the five aggregations
/// go out pipelined on the one connection).
pub async fn stats(
    conn: &AsyncPgConnection,
    filter: &NetworkFilter,
    today: NaiveDate,
) -> Result<Stats> {
    let stats = network::stats(conn, filter, today).await?;
    let mut out = Stats {
        indicators: stats.indicators,
        ..Stats::default()
    };
    for c in stats.alliances {
        out.alliances.total += c.count;
        *out.alliances.by_status.entry(c.sub).or_default() += c.count;
        *out.alliances.by_region.entry(c.key).or_default() += c.count;
    }
    for c in stats.labels {
        *out.labels.by_status.entry(c.sub.clone()).or_default() += c.count;
        *out.labels
            .by_region
            .entry(c.key)
            .or_default()
            .entry(c.sub)
            .or_default() += c.count;
    }
    for c in stats.partners {
        out.partners.total += c.count;
        if let Ok(kind) = PartnerKind::parse("kind", &c.key) {
            *out.partners
                .by_college
                .entry(kind.college().as_str().to_owned())
                .or_default() += c.count;
        }
        *out.partners.by_kind.entry(c.key).or_default() += c.count;
    }
    for c in stats.actions {
        out.actions.total += c.count;
        *out.actions.by_theme.entry(c.key).or_default() += c.count;
        *out.actions.by_status.entry(c.sub).or_default() += c.count;
    }
    Ok(out)
}

/// A page of granted (and, for past years, expired) labels, by id.
pub async fn labels(
    conn: &mut AsyncPgConnection,
    filter: &NetworkFilter,
    status: Option<&str>,
    today: NaiveDate,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<NetworkLabel>> {
    let rows = network::labels(conn, filter, status, today, after, limit + 1).await?;
    Ok(Page::from_rows(rows, limit, |l| l.id.0))
}

/// A public action found across cities, with its measured results.
#[derive(Debug, Clone)]
pub struct FoundAction {
    pub action: NetworkAction,
    pub results: Vec<Indicator>,
}

/// A page of adopted, running and completed actions of public plans, oldest first,
/// each with its results (read in one more query for the whole page).
pub async fn actions(
    conn: &mut AsyncPgConnection,
    search: &ActionSearch,
    after: Option<TimeKey>,
    limit: i64,
) -> Result<Page<FoundAction>> {
    let rows =
        network::actions(conn, search, after.map(|k| (k.created_at, k.id)), limit + 1).await?;
    let page = Page::from_rows(rows, limit, |a| TimeKey {
        created_at: a.created_at,
        id: a.id.0,
    });
    let ids: Vec<ActionId> = page.items.iter().map(|a| a.id).collect();
    let mut by_action: HashMap<Uuid, Vec<Indicator>> = HashMap::new();
    for i in results::indicators_of(conn, &ids).await? {
        by_action.entry(i.action.0).or_default().push(i);
    }
    Ok(page.map(|action| FoundAction {
        results: by_action.remove(&action.id.0).unwrap_or_default(),
        action,
    }))
}

/// The next batch of an export of `resource`, after the row `after`.
pub async fn export_batch(
    conn: &mut AsyncPgConnection,
    resource: &str,
    after: Option<Uuid>,
    batch: i64,
    today: NaiveDate,
) -> Result<Vec<(Uuid, ExportRow)>> {
    Ok(network::export_batch(conn, resource, after, batch, today).await?)
}
