//! A small alliance with one person per role, built through the API.

use agir_http::routes::alliances::CreateAllianceRequest;
use agir_http::routes::cities::CreateCityRequest;
use agir_http::routes::mandates::CreateMandateRequest;
use agir_http::routes::partners::CreatePartnerRequest;
use chrono::{Days, NaiveDate, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::app::{Client, TestApp};

/// An alliance with two partners and one principal per role.
pub struct AllianceFixture {
    pub city: Uuid,
    pub alliance: Uuid,
    /// The partner of the coordinator (the city itself).
    pub city_partner: Uuid,
    /// A partner `P` with a representative, a member and an observer.
    pub partner_p: Uuid,
    /// Another partner `Q` with its own representative.
    pub partner_q: Uuid,
    pub coordinator: Principal,
    pub representative_p: Principal,
    pub representative_q: Principal,
    pub member_p: Principal,
    pub observer_p: Principal,
}

/// A person of the fixture: their account, their mandate, a logged-in client.
#[derive(Clone)]
pub struct Principal {
    pub user: Uuid,
    pub mandate: Uuid,
    pub client: Client,
}

pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

pub fn days_from_today(days: i64) -> NaiveDate {
    let today = today();
    if days >= 0 {
        today
            .checked_add_days(Days::new(days.unsigned_abs()))
            .unwrap_or(today)
    } else {
        today
            .checked_sub_days(Days::new(days.unsigned_abs()))
            .unwrap_or(today)
    }
}

fn id(response: &super::TestResponse) -> Uuid {
    let value: Value = response.json();
    value["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id in {}", response.text()))
}

impl TestApp {
    /// A city and an alliance (as the platform admin).
    pub async fn city_and_alliance(&self, city: &str, insee: &str, alliance: &str) -> (Uuid, Uuid) {
        let admin = self.admin().await;
        let city = id(&admin
            .post("/api/v1/cities")
            .json(&CreateCityRequest {
                name: city.to_owned(),
                insee_code: insee.to_owned(),
                department: "Hauts-de-Seine".to_owned(),
                region: "Île-de-France".to_owned(),
            })
            .created()
            .await);
        let alliance = id(&admin
            .post("/api/v1/alliances")
            .json(&CreateAllianceRequest {
                city_id: city,
                name: alliance.to_owned(),
                ..CreateAllianceRequest::default()
            })
            .created()
            .await);
        (city, alliance)
    }

    pub async fn partner(&self, alliance: Uuid, name: &str, kind: &str) -> Uuid {
        let admin = self.admin().await;
        id(&admin
            .post(&format!("/api/v1/alliances/{alliance}/partners"))
            .json(&CreatePartnerRequest {
                name: name.to_owned(),
                kind: kind.to_owned(),
                ..CreatePartnerRequest::default()
            })
            .created()
            .await)
    }

    /// A mandate for an existing user, made by the admin; returns its id.
    pub async fn mandate(
        &self,
        alliance: Uuid,
        user: Uuid,
        partner: Uuid,
        role: &str,
        starts_on: NaiveDate,
        ends_on: Option<NaiveDate>,
    ) -> Uuid {
        let admin = self.admin().await;
        id(&admin
            .post(&format!("/api/v1/alliances/{alliance}/mandates"))
            .json(&CreateMandateRequest {
                user_id: user,
                partner_id: partner,
                role: role.to_owned(),
                starts_on,
                ends_on,
                handover_notes: None,
            })
            .created()
            .await)
    }

    /// A new account with a current mandate, logged in.
    pub async fn person(
        &self,
        email: &str,
        alliance: Uuid,
        partner: Uuid,
        role: &str,
    ) -> Principal {
        let (user, client) = self.user(email).await;
        let mandate = self
            .mandate(
                alliance,
                user.0,
                partner,
                role,
                days_from_today(-30),
                Some(days_from_today(300)),
            )
            .await;
        Principal {
            user: user.0,
            mandate,
            client,
        }
    }

    /// The standard fixture; `tag` keeps emails and INSEE codes apart when a test
    /// builds two alliances.
    pub async fn alliance_fixture(&self, tag: u8) -> AllianceFixture {
        let insee = format!("920{tag:02}");
        let (city, alliance) = self
            .city_and_alliance(&format!("Ville {tag}"), &insee, &format!("Alliance {tag}"))
            .await;
        let city_partner = self
            .partner(alliance, &format!("Ville {tag}"), "local_authority")
            .await;
        let partner_p = self
            .partner(alliance, &format!("Ecolo'phi {tag}"), "student_association")
            .await;
        let partner_q = self
            .partner(alliance, &format!("IUT {tag}"), "school")
            .await;
        AllianceFixture {
            city,
            alliance,
            city_partner,
            partner_p,
            partner_q,
            coordinator: self
                .person(
                    &format!("coordinator{tag}@example.org"),
                    alliance,
                    city_partner,
                    "coordinator",
                )
                .await,
            representative_p: self
                .person(
                    &format!("rep.p{tag}@example.org"),
                    alliance,
                    partner_p,
                    "representative",
                )
                .await,
            representative_q: self
                .person(
                    &format!("rep.q{tag}@example.org"),
                    alliance,
                    partner_q,
                    "representative",
                )
                .await,
            member_p: self
                .person(
                    &format!("member.p{tag}@example.org"),
                    alliance,
                    partner_p,
                    "member",
                )
                .await,
            observer_p: self
                .person(
                    &format!("observer.p{tag}@example.org"),
                    alliance,
                    partner_p,
                    "observer",
                )
                .await,
        }
    }
}

impl TestApp {
    /// `n` people with a current member mandate for `partner`, written straight to the
    /// database and given sessions directly: for tests that need a crowd.
    pub async fn crowd(&self, alliance: Uuid, partner: Uuid, n: usize) -> Vec<Client> {
        use agir_domain::ids::{MandateId, PartnerId, UserId};
        use agir_domain::mandate::{Period, Role};
        use agir_persistence::{AsyncConnection, mandates, sessions, users};

        let mut conn = self.db.connect().await;
        let ids: Vec<UserId> = conn
            .transaction::<_, agir_persistence::PersistenceError, _>(async |conn| {
                let mut ids = Vec::with_capacity(n);
                for i in 0..n {
                    let email = format!("crowd{i}.{}@example.org", Uuid::now_v7().simple());
                    let user = users::insert(
                        conn,
                        users::NewUser {
                            id: Uuid::now_v7(),
                            email: &email,
                            display_name: &format!("Voter {i}"),
                            password_hash: "not-a-hash",
                            is_admin: false,
                        },
                    )
                    .await?;
                    mandates::insert(
                        conn,
                        mandates::NewMandate {
                            id: MandateId::new(),
                            alliance: agir_domain::ids::AllianceId(alliance),
                            user: user.id,
                            partner: PartnerId(partner),
                            role: Role::Member,
                            period: Period::new(days_from_today(-10), None)?,
                            successor_of: None,
                            handover_notes: None,
                        },
                    )
                    .await?;
                    ids.push(user.id);
                }
                Ok(ids)
            })
            .await
            .unwrap_or_else(|e| panic!("crowd not created: {e}"));
        let mut clients = Vec::with_capacity(n);
        for id in ids {
            let hash = format!("crowd-{}", Uuid::now_v7());
            let session =
                sessions::create(&mut conn, id, &hash, Utc::now() + chrono::Duration::days(1))
                    .await
                    .unwrap_or_else(|e| panic!("session not created: {e}"));
            let token = self
                .state
                .tokens
                .issue(id, session)
                .unwrap_or_else(|e| panic!("token: {e}"));
            clients.push(self.with_token(&token));
        }
        clients
    }
}
