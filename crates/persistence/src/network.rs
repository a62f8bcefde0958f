//! The AVUF network view: public aggregates and searches across every alliance,
//! computed in SQL. Nothing here reads users: no personal data can leak.

use agir_domain::ids::{ActionId, AllianceId, LabelId, PartnerId};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types::{
    Array, Bool, Date, Double, Int2, Int8, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel::{QueryableByName, sql_query};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::Result;

/// Filters shared by the network endpoints.
#[derive(Debug, Clone, Default)]
pub struct NetworkFilter {
    pub academic_year: Option<String>,
    pub region: Option<String>,
}

/// Builds a query with optional conditions whose binds come in order.
struct Sql {
    text: String,
    binds: Vec<Bind>,
}

enum Bind {
    Text(String),
    Uuid(Uuid),
    Time(DateTime<Utc>),
    Int(i64),
}

impl Sql {
    fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            binds: Vec::new(),
        }
    }

    /// Appends a condition with one parameter written `?`.
    fn and(&mut self, condition: &str, bind: Bind) {
        self.binds.push(bind);
        let n = self.binds.len();
        self.text.push_str(" AND ");
        self.text
            .push_str(&condition.replace('?', &format!("${n}")));
    }

    fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn param(&mut self, bind: Bind) -> String {
        self.binds.push(bind);
        format!("${}", self.binds.len())
    }

    fn build(self) -> BoxedSqlQuery<'static, Pg, diesel::query_builder::SqlQuery> {
        let mut query = sql_query(self.text).into_boxed::<Pg>();
        for bind in self.binds {
            query = match bind {
                Bind::Text(v) => query.bind::<Text, _>(v),
                Bind::Uuid(v) => query.bind::<SqlUuid, _>(v),
                Bind::Time(v) => query.bind::<Timestamptz, _>(v),
                Bind::Int(v) => query.bind::<Int8, _>(v),
            };
        }
        query
    }
}

fn filter_region(sql: &mut Sql, filter: &NetworkFilter) {
    if let Some(region) = &filter.region {
        sql.and("c.region = ?", Bind::Text(region.clone()));
    }
}

fn filter_year(sql: &mut Sql, column: &str, filter: &NetworkFilter) {
    if let Some(year) = &filter.academic_year {
        sql.and(&format!("{column} = ?"), Bind::Text(year.clone()));
    }
}

/// A count under two keys.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct KeyedCount {
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = Text)]
    pub sub: String,
    #[diesel(sql_type = Int8)]
    pub count: i64,
}

/// Sums of a catalogue indicator.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct IndicatorTotal {
    #[diesel(sql_type = Text)]
    pub catalogue: String,
    #[diesel(sql_type = Text)]
    pub unit: String,
    /// Confirmed by another partner, with evidence.
    #[diesel(sql_type = Double)]
    pub verified: f64,
    #[diesel(sql_type = Double)]
    pub unverified: f64,
    #[diesel(sql_type = Int8)]
    pub measurements: i64,
}

/// Whole-network aggregates.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// (region, status) → alliances.
    pub alliances: Vec<KeyedCount>,
    /// (region, reported status) → labels.
    pub labels: Vec<KeyedCount>,
    /// (kind, "") → active partners.
    pub partners: Vec<KeyedCount>,
    /// (theme, status) → public actions.
    pub actions: Vec<KeyedCount>,
    pub indicators: Vec<IndicatorTotal>,
}

/// The reported status of a label row, in SQL: granted labels of past years are expired.
const LABEL_STATUS_SQL: &str = "CASE WHEN l.status = 'granted'
        AND make_date(split_part(l.academic_year, '-', 2)::int, 8, 31) < $TODAY THEN 'expired'
        ELSE l.status END";

/// Plans the public sees: adopted or closed (a macro, so that `concat!` can use it).
macro_rules! public_plan {
    () => {
        "p.phase IN ('adopted', 'closed')"
    };
}
const PUBLIC_PLAN: &str = public_plan!();

/// Statuses of the actions the network view shows (in public plans): never a
/// proposal, nor a rejected or abandoned action. The search, the exports and the
/// statistics all count this one set (the indicator totals kept by
/// `plan_totals_refresh`, migration 000014, spell it in SQL).
macro_rules! public_statuses {
    () => {
        "('adopted', 'in_progress', 'completed')"
    };
}
const PUBLIC_STATUSES: &str = public_statuses!();

/// The five aggregations, pipelined on the one connection they are given: one round
/// trip, and a request never holds more than one pooled connection (several
/// requests each holding some connections while waiting for more could empty the pool).
pub async fn stats(
    conn: &AsyncPgConnection,
    filter: &NetworkFilter,
    today: NaiveDate,
) -> Result<Stats> {
    let mut alliances = Sql::new(
        "SELECT c.region AS key, a.status AS sub, count(*) AS count
         FROM alliances a JOIN cities c ON c.id = a.city_id WHERE true",
    );
    filter_region(&mut alliances, filter);
    alliances.push(" GROUP BY 1, 2 ORDER BY 1, 2");

    let mut labels = Sql::new("");
    let today_param = labels.param(Bind::Text(today.to_string()));
    labels.text = format!(
        "SELECT c.region AS key, {} AS sub, count(*) AS count
         FROM labels l JOIN alliances a ON a.id = l.alliance_id JOIN cities c ON c.id = a.city_id
         WHERE true",
        LABEL_STATUS_SQL.replace("$TODAY", &format!("{today_param}::date"))
    );
    filter_region(&mut labels, filter);
    filter_year(&mut labels, "l.academic_year", filter);
    labels.push(" GROUP BY 1, 2 ORDER BY 1, 2");

    let mut partners = Sql::new(
        "SELECT p.kind AS key, '' AS sub, count(*) AS count
         FROM partners p JOIN alliances a ON a.id = p.alliance_id JOIN cities c ON c.id = a.city_id
         WHERE p.status = 'active'",
    );
    filter_region(&mut partners, filter);
    partners.push(" GROUP BY 1 ORDER BY 1");

    // Per-plan counts and totals are kept by triggers (migration
    // 2026-11-26-000009): these sum a few rows per plan, not every action and indicator.
    let mut actions = Sql::new(&format!(
        "SELECT t.theme AS key, t.status AS sub, sum(t.count)::int8 AS count
         FROM plan_action_counts t JOIN plans p ON p.id = t.plan_id
         JOIN alliances a ON a.id = p.alliance_id JOIN cities c ON c.id = a.city_id
         WHERE t.count > 0 AND {PUBLIC_PLAN} AND t.status IN {PUBLIC_STATUSES}"
    ));
    filter_region(&mut actions, filter);
    filter_year(&mut actions, "p.academic_year", filter);
    actions.push(" GROUP BY 1, 2 ORDER BY 1, 2");

    let mut indicators = Sql::new(&format!(
        "SELECT t.catalogue, t.unit,
                coalesce(sum(t.verified), 0)::float8 AS verified,
                coalesce(sum(t.unverified), 0)::float8 AS unverified,
                coalesce(sum(t.measurements), 0)::int8 AS measurements
         FROM plan_indicator_totals t JOIN plans p ON p.id = t.plan_id
         JOIN alliances a ON a.id = p.alliance_id JOIN cities c ON c.id = a.city_id
         WHERE t.measurements > 0 AND {PUBLIC_PLAN}"
    ));
    filter_region(&mut indicators, filter);
    filter_year(&mut indicators, "p.academic_year", filter);
    indicators.push(" GROUP BY 1, 2 ORDER BY 1, 2");

    // Independent reads only: pipelined statements may reach the server in any order.
    let (alliances, labels, partners, actions, indicators) = tokio::try_join!(
        alliances.build().load::<KeyedCount>(&mut &*conn),
        labels.build().load::<KeyedCount>(&mut &*conn),
        partners.build().load::<KeyedCount>(&mut &*conn),
        actions.build().load::<KeyedCount>(&mut &*conn),
        indicators.build().load::<IndicatorTotal>(&mut &*conn),
    )?;
    Ok(Stats {
        alliances,
        labels,
        partners,
        actions,
        indicators,
    })
}

/// A label in the network view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkLabel {
    pub id: LabelId,
    pub alliance_id: AllianceId,
    pub alliance: String,
    pub city: String,
    pub insee_code: String,
    pub department: String,
    pub region: String,
    pub academic_year: String,
    /// `granted`, or `expired` for a past academic year.
    pub status: String,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct LabelRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    alliance_id: Uuid,
    #[diesel(sql_type = Text)]
    alliance: String,
    #[diesel(sql_type = Text)]
    city: String,
    #[diesel(sql_type = Text)]
    insee_code: String,
    #[diesel(sql_type = Text)]
    department: String,
    #[diesel(sql_type = Text)]
    region: String,
    #[diesel(sql_type = Text)]
    academic_year: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    decided_at: Option<DateTime<Utc>>,
}

impl From<LabelRow> for NetworkLabel {
    fn from(r: LabelRow) -> Self {
        Self {
            id: LabelId(r.id),
            alliance_id: AllianceId(r.alliance_id),
            alliance: r.alliance,
            city: r.city,
            insee_code: r.insee_code,
            department: r.department,
            region: r.region,
            academic_year: r.academic_year,
            status: r.status,
            decided_at: r.decided_at,
        }
    }
}

/// Granted (and expired) labels, in a stable order (by id) for keyset pages.
pub async fn labels(
    conn: &mut AsyncPgConnection,
    filter: &NetworkFilter,
    status: Option<&str>,
    today: NaiveDate,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<NetworkLabel>> {
    let mut sql = Sql::new("");
    let today_param = sql.param(Bind::Text(today.to_string()));
    let reported = LABEL_STATUS_SQL.replace("$TODAY", &format!("{today_param}::date"));
    sql.text = format!(
        "SELECT * FROM (
           SELECT l.id, l.alliance_id, a.name AS alliance, c.name AS city, c.insee_code, c.department,
                  c.region, l.academic_year, {reported} AS status, l.decided_at
           FROM labels l JOIN alliances a ON a.id = l.alliance_id JOIN cities c ON c.id = a.city_id
           WHERE l.status = 'granted'"
    );
    filter_region(&mut sql, filter);
    filter_year(&mut sql, "l.academic_year", filter);
    sql.push(") t WHERE true");
    if let Some(status) = status {
        sql.and("t.status = ?", Bind::Text(status.to_owned()));
    }
    if let Some(after) = after {
        sql.and("t.id > ?", Bind::Uuid(after));
    }
    let n = sql.param(Bind::Int(limit));
    sql.push(&format!(" ORDER BY t.id LIMIT {n}"));
    let rows: Vec<LabelRow> = sql.build().load(conn).await?;
    Ok(rows.into_iter().map(NetworkLabel::from).collect())
}

/// A public action found across cities.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkAction {
    pub id: ActionId,
    pub title: String,
    pub description: String,
    pub theme: String,
    pub status: String,
    pub sdgs: Vec<i16>,
    pub academic_year: String,
    pub alliance_id: AllianceId,
    pub alliance: String,
    pub city: String,
    pub region: String,
    pub lead_partner_id: PartnerId,
    pub lead_partner: String,
    pub proposing_partner_id: PartnerId,
    pub proposing_partner: String,
    pub verified: bool,
    pub planned_start: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

#[derive(QueryableByName)]
struct ActionRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    description: String,
    #[diesel(sql_type = Text)]
    theme: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Array<Int2>)]
    sdgs: Vec<i16>,
    #[diesel(sql_type = Text)]
    academic_year: String,
    #[diesel(sql_type = SqlUuid)]
    alliance_id: Uuid,
    #[diesel(sql_type = Text)]
    alliance: String,
    #[diesel(sql_type = Text)]
    city: String,
    #[diesel(sql_type = Text)]
    region: String,
    #[diesel(sql_type = SqlUuid)]
    lead_partner_id: Uuid,
    #[diesel(sql_type = Text)]
    lead_partner: String,
    #[diesel(sql_type = SqlUuid)]
    proposing_partner_id: Uuid,
    #[diesel(sql_type = Text)]
    proposing_partner: String,
    #[diesel(sql_type = Bool)]
    verified: bool,
    #[diesel(sql_type = Nullable<Date>)]
    planned_start: Option<NaiveDate>,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
}

impl From<ActionRow> for NetworkAction {
    fn from(r: ActionRow) -> Self {
        Self {
            id: ActionId(r.id),
            title: r.title,
            description: r.description,
            theme: r.theme,
            status: r.status,
            sdgs: r.sdgs,
            academic_year: r.academic_year,
            alliance_id: AllianceId(r.alliance_id),
            alliance: r.alliance,
            city: r.city,
            region: r.region,
            lead_partner_id: PartnerId(r.lead_partner_id),
            lead_partner: r.lead_partner,
            proposing_partner_id: PartnerId(r.proposing_partner_id),
            proposing_partner: r.proposing_partner,
            verified: r.verified,
            planned_start: r.planned_start,
            created_at: r.created_at,
        }
    }
}

/// Public actions (adopted, running or completed, in adopted or closed plans) with
/// their city and partners; `verified` is filled in by [`with_verification`].
const PUBLIC_ACTIONS_SQL: &str = concat!(
    "SELECT x.id, x.title, x.description, x.theme, x.status, x.sdgs, p.academic_year,
        a.id AS alliance_id, a.name AS alliance, c.name AS city, c.region,
        lp.id AS lead_partner_id, lp.name AS lead_partner,
        pp.id AS proposing_partner_id, pp.name AS proposing_partner,
        false AS verified, x.planned_start, x.created_at
 FROM actions x
 JOIN plans p ON p.id = x.plan_id
 JOIN alliances a ON a.id = x.alliance_id
 JOIN cities c ON c.id = a.city_id
 JOIN partners lp ON lp.id = x.lead_partner_id
 JOIN partners pp ON pp.id = x.proposing_partner_id
 WHERE ",
    public_plan!(),
    " AND x.status IN ",
    public_statuses!()
);

/// Wraps a page of [`PUBLIC_ACTIONS_SQL`] (already ordered and limited) to compute
/// each row's verification: for the page's rows only, not for every action.
fn with_verification(sql: &mut Sql, order: &str) {
    let verified = crate::plans::verified_action_sql("t.id");
    sql.text = format!(
        "SELECT t.id, t.title, t.description, t.theme, t.status, t.sdgs, t.academic_year,
                t.alliance_id, t.alliance, t.city, t.region, t.lead_partner_id, t.lead_partner,
                t.proposing_partner_id, t.proposing_partner, {verified} AS verified,
                t.planned_start, t.created_at
         FROM ({}) t ORDER BY {order}",
        sql.text
    );
}

/// Search filters of public actions.
#[derive(Debug, Clone, Default)]
pub struct ActionSearch {
    pub network: NetworkFilter,
    pub theme: Option<String>,
    pub status: Option<String>,
    /// Words searched in titles and descriptions (French full-text search).
    pub text: Option<String>,
}

/// Adopted, running and completed actions of public plans, oldest first, after a key.
pub async fn actions(
    conn: &mut AsyncPgConnection,
    search: &ActionSearch,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<NetworkAction>> {
    let mut sql = Sql::new(PUBLIC_ACTIONS_SQL);
    filter_region(&mut sql, &search.network);
    filter_year(&mut sql, "p.academic_year", &search.network);
    if let Some(theme) = &search.theme {
        sql.and("x.theme = ?", Bind::Text(theme.clone()));
    }
    if let Some(status) = &search.status {
        sql.and("x.status = ?", Bind::Text(status.clone()));
    }
    if let Some(text) = &search.text {
        sql.and(
            "to_tsvector('french', x.title || ' ' || x.description) @@ websearch_to_tsquery('french', ?)",
            Bind::Text(text.clone()),
        );
    }
    if let Some((created_at, id)) = after {
        let t = sql.param(Bind::Time(created_at));
        let i = sql.param(Bind::Uuid(id));
        sql.push(&format!(" AND (x.created_at, x.id) > ({t}, {i})"));
    }
    let n = sql.param(Bind::Int(limit));
    sql.push(&format!(" ORDER BY x.created_at, x.id LIMIT {n}"));
    with_verification(&mut sql, "t.created_at, t.id");
    let rows: Vec<ActionRow> = sql.build().load(conn).await?;
    Ok(rows.into_iter().map(NetworkAction::from).collect())
}

/// The network's data version: the sum of every journal chain's head sequence (the
/// platform's and each alliance's). Every committed write appends to a chain, and a
/// chain's sequence numbers are handed out under its lock, held until commit
/// (`journal_head_locked`, migration 000012): in each chain, sequence order is commit
/// order, so every commit raises the sum, whatever the order in which transactions
/// commit (the time of the latest entry did not: an entry appended early and
/// committed late left it unchanged). The heads are kept in `journal_heads` by a
/// trigger on `journal_entries` (migration 000017), so this reads one small row per
/// chain (probing each chain's head in the journal took about 1 ms for 300 alliances).
pub async fn version(conn: &mut AsyncPgConnection) -> Result<i64> {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = Int8)]
        version: i64,
    }
    let version: Version =
        sql_query("SELECT coalesce(sum(seq), 0)::int8 AS version FROM journal_heads")
            .get_result(conn)
            .await?;
    Ok(version.version)
}

/// The columns of each export, in order (the CSV header, even when there are no rows).
pub fn export_columns(resource: &str) -> &'static [&'static str] {
    match resource {
        "labels" => &[
            "id",
            "alliance_id",
            "alliance",
            "city",
            "insee_code",
            "department",
            "region",
            "academic_year",
            "status",
            "decided_at",
        ],
        "alliances" => &[
            "id",
            "name",
            "city",
            "insee_code",
            "department",
            "region",
            "status",
            "active_partners",
        ],
        "partners" => &[
            "id",
            "alliance_id",
            "alliance",
            "city",
            "region",
            "name",
            "kind",
            "college",
            "status",
            "joined_on",
            "left_on",
            "website",
        ],
        "actions" => &[
            "id",
            "alliance_id",
            "alliance",
            "city",
            "region",
            "academic_year",
            "title",
            "theme",
            "status",
            "sdgs",
            "lead_partner",
            "proposing_partner",
            "verified",
        ],
        "indicators" => &[
            "id",
            "action_id",
            "action",
            "alliance",
            "city",
            "region",
            "academic_year",
            "catalogue",
            "name",
            "unit",
            "target",
            "total",
            "verified_total",
        ],
        _ => &[],
    }
}

/// Whether a column of an export holds numbers the server computed (counts, targets,
/// totals), not text that someone typed: the CSV writer leaves those as numbers.
pub fn is_numeric_column(resource: &str, column: &str) -> bool {
    matches!(
        (resource, column),
        ("alliances", "active_partners") | ("indicators", "target" | "total" | "verified_total")
    )
}

/// A row of a CSV/JSON export: column names and string values.
pub type ExportRow = Vec<(&'static str, String)>;

#[derive(QueryableByName)]
struct ExportAlliance {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    city: String,
    #[diesel(sql_type = Text)]
    insee_code: String,
    #[diesel(sql_type = Text)]
    department: String,
    #[diesel(sql_type = Text)]
    region: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Int8)]
    active_partners: i64,
}

#[derive(QueryableByName)]
struct ExportPartner {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    alliance_id: Uuid,
    #[diesel(sql_type = Text)]
    alliance: String,
    #[diesel(sql_type = Text)]
    city: String,
    #[diesel(sql_type = Text)]
    region: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Date)]
    joined_on: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    left_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Text>)]
    website: Option<String>,
}

#[derive(QueryableByName)]
struct ExportIndicator {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    action_id: Uuid,
    #[diesel(sql_type = Text)]
    action: String,
    #[diesel(sql_type = Text)]
    alliance: String,
    #[diesel(sql_type = Text)]
    city: String,
    #[diesel(sql_type = Text)]
    region: String,
    #[diesel(sql_type = Text)]
    academic_year: String,
    #[diesel(sql_type = Nullable<Text>)]
    catalogue: Option<String>,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    unit: String,
    #[diesel(sql_type = Nullable<Double>)]
    target: Option<f64>,
    #[diesel(sql_type = Double)]
    total: f64,
    #[diesel(sql_type = Double)]
    verified_total: f64,
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// One batch of an export, after the last id of the previous one (keyset on id).
pub async fn export_batch(
    conn: &mut AsyncPgConnection,
    resource: &str,
    after: Option<Uuid>,
    limit: i64,
    today: NaiveDate,
) -> Result<Vec<(Uuid, ExportRow)>> {
    let after = after.unwrap_or(Uuid::nil());
    Ok(match resource {
        "labels" => {
            let rows = labels(
                conn,
                &NetworkFilter::default(),
                None,
                today,
                Some(after),
                limit,
            )
            .await?;
            rows.into_iter()
                .map(|l| {
                    (
                        l.id.0,
                        vec![
                            ("id", l.id.to_string()),
                            ("alliance_id", l.alliance_id.to_string()),
                            ("alliance", l.alliance),
                            ("city", l.city),
                            ("insee_code", l.insee_code),
                            ("department", l.department),
                            ("region", l.region),
                            ("academic_year", l.academic_year),
                            ("status", l.status),
                            (
                                "decided_at",
                                opt(l.decided_at.map(|d| {
                                    d.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                                })),
                            ),
                        ],
                    )
                })
                .collect()
        }
        "alliances" => {
            let rows: Vec<ExportAlliance> = sql_query(
                "SELECT a.id, a.name, c.name AS city, c.insee_code, c.department, c.region, a.status,
                        (SELECT count(*) FROM partners p WHERE p.alliance_id = a.id AND p.status = 'active') AS active_partners
                 FROM alliances a JOIN cities c ON c.id = a.city_id
                 WHERE a.id > $1 ORDER BY a.id LIMIT $2",
            )
            .bind::<SqlUuid, _>(after)
            .bind::<Int8, _>(limit)
            .load(conn)
            .await?;
            rows.into_iter()
                .map(|a| {
                    (
                        a.id,
                        vec![
                            ("id", a.id.to_string()),
                            ("name", a.name),
                            ("city", a.city),
                            ("insee_code", a.insee_code),
                            ("department", a.department),
                            ("region", a.region),
                            ("status", a.status),
                            ("active_partners", a.active_partners.to_string()),
                        ],
                    )
                })
                .collect()
        }
        "partners" => {
            let rows: Vec<ExportPartner> = sql_query(
                "SELECT p.id, p.alliance_id, a.name AS alliance, c.name AS city, c.region, p.name, p.kind,
                        p.status, p.joined_on, p.left_on, p.website
                 FROM partners p JOIN alliances a ON a.id = p.alliance_id JOIN cities c ON c.id = a.city_id
                 WHERE p.id > $1 ORDER BY p.id LIMIT $2",
            )
            .bind::<SqlUuid, _>(after)
            .bind::<Int8, _>(limit)
            .load(conn)
            .await?;
            rows.into_iter()
                .map(|p| {
                    let college = agir_domain::alliance::PartnerKind::parse("kind", &p.kind)
                        .map(|k| k.college().as_str().to_owned())
                        .unwrap_or_default();
                    (
                        p.id,
                        vec![
                            ("id", p.id.to_string()),
                            ("alliance_id", p.alliance_id.to_string()),
                            ("alliance", p.alliance),
                            ("city", p.city),
                            ("region", p.region),
                            ("name", p.name),
                            ("kind", p.kind),
                            ("college", college),
                            ("status", p.status),
                            ("joined_on", p.joined_on.to_string()),
                            ("left_on", opt(p.left_on)),
                            ("website", opt(p.website)),
                        ],
                    )
                })
                .collect()
        }
        "actions" => {
            // Keyset on id for exports (the search pages by creation time).
            let rows = export_actions(conn, after, limit).await?;
            rows.into_iter()
                .map(|a| {
                    (
                        a.id.0,
                        vec![
                            ("id", a.id.to_string()),
                            ("alliance_id", a.alliance_id.to_string()),
                            ("alliance", a.alliance),
                            ("city", a.city),
                            ("region", a.region),
                            ("academic_year", a.academic_year),
                            ("title", a.title),
                            ("theme", a.theme),
                            ("status", a.status),
                            (
                                "sdgs",
                                a.sdgs
                                    .iter()
                                    .map(ToString::to_string)
                                    .collect::<Vec<_>>()
                                    .join(" "),
                            ),
                            ("lead_partner", a.lead_partner),
                            ("proposing_partner", a.proposing_partner),
                            ("verified", a.verified.to_string()),
                        ],
                    )
                })
                .collect()
        }
        "indicators" => {
            let rows: Vec<ExportIndicator> = sql_query(format!(
                "SELECT i.id, x.id AS action_id, x.title AS action, a.name AS alliance, c.name AS city, c.region,
                        p.academic_year, i.catalogue, i.name, i.unit, i.target,
                        (i.verified_sum + i.unverified_sum)::float8 AS total,
                        i.verified_sum::float8 AS verified_total
                 FROM indicators i JOIN actions x ON x.id = i.action_id JOIN plans p ON p.id = x.plan_id
                 JOIN alliances a ON a.id = x.alliance_id JOIN cities c ON c.id = a.city_id
                 WHERE {PUBLIC_PLAN} AND x.status IN {PUBLIC_STATUSES} AND i.id > $1
                 ORDER BY i.id LIMIT $2"
            ))
            .bind::<SqlUuid, _>(after)
            .bind::<Int8, _>(limit)
            .load(conn)
            .await?;
            rows.into_iter()
                .map(|i| {
                    (
                        i.id,
                        vec![
                            ("id", i.id.to_string()),
                            ("action_id", i.action_id.to_string()),
                            ("action", i.action),
                            ("alliance", i.alliance),
                            ("city", i.city),
                            ("region", i.region),
                            ("academic_year", i.academic_year),
                            ("catalogue", opt(i.catalogue)),
                            ("name", i.name),
                            ("unit", i.unit),
                            ("target", opt(i.target)),
                            ("total", i.total.to_string()),
                            ("verified_total", i.verified_total.to_string()),
                        ],
                    )
                })
                .collect()
        }
        _ => Vec::new(),
    })
}

async fn export_actions(
    conn: &mut AsyncPgConnection,
    after: Uuid,
    limit: i64,
) -> Result<Vec<NetworkAction>> {
    let mut sql = Sql::new(PUBLIC_ACTIONS_SQL);
    sql.and("x.id > ?", Bind::Uuid(after));
    let n = sql.param(Bind::Int(limit));
    sql.push(&format!(" ORDER BY x.id LIMIT {n}"));
    with_verification(&mut sql, "t.id");
    let rows: Vec<ActionRow> = sql.build().load(conn).await?;
    Ok(rows.into_iter().map(NetworkAction::from).collect())
}
