//! Demo data: the Sceaux alliance of the seed document (the city, its higher-education
//! establishments, Ecolo'phi, the IUT's sustainable-development office and the merchants),
//! and a smaller alliance in Antony to try role scoping across alliances.
//!
//! Loaded by `agir demo load` and on the first start of the embedded database. Every
//! write goes through the persistence calls the API uses and is journaled as the API
//! journals it: accounts through [`create_account`], then one transaction per alliance
//! for its city, the alliance, its partners, mandates and charter. Loading twice
//! changes nothing: existing accounts, cities and alliances are left as they are.
//!
//! Dates follow the academic year (1 September to 31 August) of the day of loading:
//! mandates start on the 1 September that opened it; students leave on the 31 August
//! that closes it; staff stay longer, so that the succession report shows the one
//! partner at risk, Ecolo'phi, whose president leaves with no successor designated.

use std::collections::HashMap;

use agir_domain::alliance::{
    Alliance, City, InseeCode, PartnerKind, description, limits, name, place, website,
};
use agir_domain::error::bounded_text;
use agir_domain::ids::{AllianceId, CharterId, CityId, MandateId, PartnerId, UserId};
use agir_domain::mandate::{Period, Role};
use agir_domain::user::{DisplayName, Email};
use agir_persistence::cities::{self, AllianceChanges, AllianceFilter, CityChanges, CityFilter};
use agir_persistence::journal::{self, Actor};
use agir_persistence::mandates::{self, NewMandate};
use agir_persistence::page::{MAX_LIMIT, Page, PageRequest, TimeKey, decode_cursor};
use agir_persistence::partners::{self, PartnerChanges};
use agir_persistence::{AsyncConnection, AsyncPgConnection, charters, pool, users};
use chrono::{Datelike, NaiveDate, Utc};
use serde_json::json;

use crate::problem::ApiError;
use crate::routes::entry;
use crate::routes::mandates::notes;
use crate::routes::users::create_account;
use crate::state::AppState;

/// The password of every demo account (demo data only).
pub const DEMO_PASSWORD: &str = "agir-ensemble-demo";

/// A demo login to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Login {
    pub email: &'static str,
    /// Who this is, in a few words.
    pub role: &'static str,
}

/// The logins worth trying first, one per kind of principal.
const LOGINS: [Login; 5] = [
    Login {
        email: ADMIN_EMAIL,
        role: "platform admin (AVUF)",
    },
    Login {
        email: SCEAUX_COORDINATOR,
        role: "coordinator of the Sceaux alliance (Ville de Sceaux)",
    },
    Login {
        email: ECOLOPHI_PRESIDENT,
        role: "representative of Ecolo'phi, leaves on 31 August, no successor yet",
    },
    Login {
        email: "hugo.petit@sceaux.demo",
        role: "member of the Sceaux alliance (Ecolo'phi student)",
    },
    Login {
        email: ANTONY_COORDINATOR,
        role: "coordinator of the Antony alliance (no rights in Sceaux)",
    },
];

const ADMIN_EMAIL: &str = "admin@avuf.demo";
const SCEAUX_COORDINATOR: &str = "claire.martin@sceaux.demo";
const ECOLOPHI_PRESIDENT: &str = "lea.dubois@sceaux.demo";
const ANTONY_COORDINATOR: &str = "sandrine.chevalier@antony.demo";

/// A demo account.
struct Account {
    email: &'static str,
    display_name: &'static str,
    is_admin: bool,
}

const fn person(email: &'static str, display_name: &'static str) -> Account {
    Account {
        email,
        display_name,
        is_admin: false,
    }
}

/// Every demo account, created in this order.
const ACCOUNTS: [Account; 16] = [
    Account {
        email: ADMIN_EMAIL,
        display_name: "Administration AVUF",
        is_admin: true,
    },
    // Sceaux
    person(SCEAUX_COORDINATOR, "Claire Martin"),
    person("helene.garnier@sceaux.demo", "Hélène Garnier"),
    person("marc.lefevre@sceaux.demo", "Marc Lefèvre"),
    person("nathalie.roux@sceaux.demo", "Nathalie Roux"),
    person("julien.moreau@sceaux.demo", "Julien Moreau"),
    person(ECOLOPHI_PRESIDENT, "Léa Dubois"),
    person("karim.benali@sceaux.demo", "Karim Benali"),
    person("isabelle.fontaine@sceaux.demo", "Isabelle Fontaine"),
    person("hugo.petit@sceaux.demo", "Hugo Petit"),
    person("ines.girard@sceaux.demo", "Inès Girard"),
    person("yanis.mercier@sceaux.demo", "Yanis Mercier"),
    person("pierre.lambert@sceaux.demo", "Pierre Lambert"),
    // Antony
    person(ANTONY_COORDINATOR, "Sandrine Chevalier"),
    person("thomas.nguyen@antony.demo", "Thomas Nguyen"),
    person("camille.faure@antony.demo", "Camille Faure"),
];

/// A partner to create.
struct PartnerSeed {
    name: &'static str,
    kind: PartnerKind,
    description: &'static str,
    website: Option<&'static str>,
    /// Whether its representative signs the charter.
    signs_charter: bool,
}

/// When a mandate ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ends {
    /// The 31 August that closes the current academic year (students).
    ThisAcademicYear,
    /// The 31 August that closes the academic year this many years after the current one
    /// (staff: two years more keeps them out of any succession report, 366 days at most).
    YearsLater(i32),
    /// Open-ended.
    Never,
}

/// A mandate to create: who, for which partner, in which role.
struct Seat {
    email: &'static str,
    partner: &'static str,
    role: Role,
    ends: Ends,
    handover_notes: Option<&'static str>,
}

const fn seat(email: &'static str, partner: &'static str, role: Role, ends: Ends) -> Seat {
    Seat {
        email,
        partner,
        role,
        ends,
        handover_notes: None,
    }
}

/// An alliance to create with its city.
struct AllianceSeed {
    city: &'static str,
    insee_code: &'static str,
    department: &'static str,
    region: &'static str,
    name: &'static str,
    description: &'static str,
    partners: &'static [PartnerSeed],
    seats: &'static [Seat],
    /// Version 1 of the charter, current, signed by the partners that sign it.
    charter: Option<&'static str>,
}

const VILLE_DE_SCEAUX: &str = "Ville de Sceaux";
const IUT: &str = "IUT de Sceaux";
const JEAN_MONNET: &str = "Faculté Jean-Monnet";
const EPF: &str = "EPF";
const ECOLOPHI: &str = "Ecolo'phi";
const BUREAU_DD: &str = "Bureau développement durable de l'IUT";
const COMMERCANTS: &str = "Association des commerçants de Sceaux";

const SCEAUX: AllianceSeed = AllianceSeed {
    city: "Sceaux",
    insee_code: "92071",
    department: "Hauts-de-Seine",
    region: "Île-de-France",
    name: "Alliance Agir Ensemble de Sceaux",
    description: "Alliance locale « Agir Ensemble » portée par la Ville de Sceaux avec le \
        personnel et les étudiants des établissements d'enseignement supérieur du territoire, \
        en faveur de « campus durables en villes durables ». Ses objectifs : valoriser les \
        initiatives des jeunes, sensibiliser aux enjeux du développement durable et renforcer \
        les liens avec les acteurs locaux. Elle a déjà organisé une disco soupe avec les \
        étudiants, les associations et les commerçants, et participé au forum de l'ESS. \
        À venir : une fête des réussites, une collecte de fruits et légumes redistribués à des \
        publics fragiles, un compost collectif dans une résidence étudiante et un garde-manger \
        solidaire.",
    partners: &[
        PartnerSeed {
            name: VILLE_DE_SCEAUX,
            kind: PartnerKind::LocalAuthority,
            description: "Commune porteuse de l'alliance locale : elle coordonne la démarche \
                avec le personnel et les étudiants des établissements du territoire, valorise \
                les initiatives des jeunes et fait le lien avec les acteurs locaux.",
            website: Some("https://www.sceaux.fr"),
            signs_charter: true,
        },
        PartnerSeed {
            name: IUT,
            kind: PartnerKind::School,
            description: "Institut universitaire de technologie : ses étudiants et ses \
                personnels portent des projets de développement durable, notamment dans le \
                cadre du projet tutoré « Agir ensemble ».",
            website: None,
            signs_charter: true,
        },
        PartnerSeed {
            name: JEAN_MONNET,
            kind: PartnerKind::University,
            description: "Faculté de droit, d'économie et de gestion. Un partenariat est à \
                l'étude pour que des étudiants prennent en charge des projets de l'alliance \
                dans le cadre de leur cursus universitaire.",
            website: None,
            signs_charter: true,
        },
        PartnerSeed {
            name: EPF,
            kind: PartnerKind::School,
            description: "École d'ingénieurs. Ses élèves s'engagent dans l'alliance, en \
                particulier au sein de leur association Ecolo'phi.",
            website: Some("https://www.epf.fr"),
            signs_charter: true,
        },
        PartnerSeed {
            name: ECOLOPHI,
            kind: PartnerKind::StudentAssociation,
            description: "Association étudiante de l'EPF engagée pour l'écologie : disco \
                soupe avec les commerçants, sensibilisation des étudiants au développement \
                durable. Sa présidence change chaque année : la relève se prépare dès juin \
                pour être opérationnelle en septembre.",
            website: None,
            signs_charter: true,
        },
        PartnerSeed {
            name: BUREAU_DD,
            kind: PartnerKind::CampusOffice,
            description: "Bureau des étudiants et des personnels de l'IUT dédié au \
                développement durable : il suit le projet tutoré « Agir ensemble » et relaie \
                les actions de l'alliance sur le campus.",
            website: None,
            signs_charter: true,
        },
        PartnerSeed {
            name: COMMERCANTS,
            kind: PartnerKind::Business,
            description: "Commerçants du centre-ville, partenaires de la disco soupe et \
                associés au projet de collecte de fruits et légumes invendus redistribués à \
                des publics fragiles.",
            website: None,
            // Joined for the disco soupe; its members have not signed the charter yet.
            signs_charter: false,
        },
    ],
    seats: &[
        seat(
            SCEAUX_COORDINATOR,
            VILLE_DE_SCEAUX,
            Role::Coordinator,
            Ends::YearsLater(2),
        ),
        seat(
            "helene.garnier@sceaux.demo",
            VILLE_DE_SCEAUX,
            Role::Representative,
            Ends::Never,
        ),
        seat(
            "marc.lefevre@sceaux.demo",
            IUT,
            Role::Representative,
            Ends::YearsLater(2),
        ),
        seat(
            "nathalie.roux@sceaux.demo",
            JEAN_MONNET,
            Role::Representative,
            Ends::Never,
        ),
        seat(
            "julien.moreau@sceaux.demo",
            EPF,
            Role::Representative,
            Ends::YearsLater(2),
        ),
        Seat {
            email: ECOLOPHI_PRESIDENT,
            partner: ECOLOPHI,
            role: Role::Representative,
            ends: Ends::ThisAcademicYear,
            handover_notes: Some(
                "Passation : rencontre de juin avec la future présidence d'Ecolo'phi, pour \
                être opérationnels dès septembre. Les contacts des commerçants de la disco \
                soupe et de l'équipe du forum de l'ESS sont dans le drive partagé de \
                l'association. Compost collectif à la résidence étudiante : devis en attente, \
                à relancer à la rentrée.",
            ),
        },
        seat(
            "karim.benali@sceaux.demo",
            BUREAU_DD,
            Role::Representative,
            Ends::YearsLater(2),
        ),
        seat(
            "isabelle.fontaine@sceaux.demo",
            COMMERCANTS,
            Role::Representative,
            Ends::Never,
        ),
        seat(
            "hugo.petit@sceaux.demo",
            ECOLOPHI,
            Role::Member,
            Ends::ThisAcademicYear,
        ),
        seat(
            "ines.girard@sceaux.demo",
            ECOLOPHI,
            Role::Member,
            Ends::ThisAcademicYear,
        ),
        seat(
            "yanis.mercier@sceaux.demo",
            IUT,
            Role::Member,
            Ends::ThisAcademicYear,
        ),
        seat(
            "pierre.lambert@sceaux.demo",
            JEAN_MONNET,
            Role::Observer,
            Ends::YearsLater(1),
        ),
    ],
    charter: Some(
        "Charte des valeurs partagées de l'Alliance Agir Ensemble de Sceaux\n\
        \n\
        La Ville, les établissements d'enseignement supérieur, les associations étudiantes et \
        les acteurs locaux s'engagent ensemble en faveur de « campus durables en villes \
        durables ».\n\
        \n\
        1. Coopération. Chaque partenaire agit avec les autres plutôt qu'à côté d'eux ; les \
        réussites sont collectives, et chaque idée garde le nom de son auteur.\n\
        2. Confiance. L'alliance n'existe que si ses acteurs se font confiance : les règles de \
        décision sont connues de tous et chaque changement est tracé.\n\
        3. Écoute. Étudiants, personnels, élus et commerçants ont voix au chapitre : nous \
        écoutons avant de décider.\n\
        4. Ouverture. L'alliance accueille de nouveaux partenaires et chaque nouvelle \
        génération d'étudiants ; la relève se prépare dès juin pour agir dès septembre.\n\
        5. Pas de greenwashing. Nos actions sont réelles, mesurées et vérifiables ; aucune \
        idée n'est reprise à des fins politiques ou publicitaires.\n\
        6. Un plan d'actions co-construit. Le plan d'actions de l'année est proposé, discuté \
        et adopté ensemble ; chaque partenaire peut proposer et porter une action.\n",
    ),
};

const VILLE_D_ANTONY: &str = "Ville d'Antony";
const RESIDENCE_CROUS: &str = "Résidence Crous d'Antony";

const ANTONY: AllianceSeed = AllianceSeed {
    city: "Antony",
    insee_code: "92002",
    department: "Hauts-de-Seine",
    region: "Île-de-France",
    name: "Alliance Agir Ensemble d'Antony",
    description: "Alliance locale « Agir Ensemble » naissante entre la Ville d'Antony, la \
        résidence étudiante du Crous et une association d'étudiants résidents : compost \
        collectif et garde-manger solidaire à la résidence.",
    partners: &[
        PartnerSeed {
            name: VILLE_D_ANTONY,
            kind: PartnerKind::LocalAuthority,
            description: "Commune porteuse de l'alliance locale d'Antony.",
            website: None,
            signs_charter: false,
        },
        PartnerSeed {
            name: RESIDENCE_CROUS,
            kind: PartnerKind::StudentServices,
            description: "Résidence universitaire du Crous : logement et vie étudiante, lieu \
                d'accueil du futur compost collectif.",
            website: None,
            signs_charter: false,
        },
        PartnerSeed {
            name: "Les Pousses d'Antony",
            kind: PartnerKind::StudentAssociation,
            description: "Association des étudiants de la résidence : potager partagé, \
                ateliers cuisine anti-gaspillage.",
            website: None,
            signs_charter: false,
        },
    ],
    seats: &[
        seat(
            ANTONY_COORDINATOR,
            VILLE_D_ANTONY,
            Role::Coordinator,
            Ends::YearsLater(2),
        ),
        seat(
            "thomas.nguyen@antony.demo",
            RESIDENCE_CROUS,
            Role::Representative,
            Ends::YearsLater(2),
        ),
        seat(
            "camille.faure@antony.demo",
            "Les Pousses d'Antony",
            Role::Member,
            Ends::ThisAcademicYear,
        ),
    ],
    charter: None,
};

const ALLIANCES: [&AllianceSeed; 2] = [&SCEAUX, &ANTONY];

/// The academic year of a day: it opens on 1 September and closes on 31 August.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AcademicYear {
    /// The year of its 1 September.
    first_year: i32,
}

impl AcademicYear {
    fn of(day: NaiveDate) -> Self {
        let first_year = if day.month() >= 9 {
            day.year()
        } else {
            day.year() - 1
        };
        Self { first_year }
    }

    fn starts_on(self) -> Result<NaiveDate, ApiError> {
        date(self.first_year, 9, 1)
    }

    fn ends_on(self, ends: Ends) -> Result<Option<NaiveDate>, ApiError> {
        match ends {
            Ends::ThisAcademicYear => date(self.first_year + 1, 8, 31).map(Some),
            Ends::YearsLater(n) => date(self.first_year + 1 + n, 8, 31).map(Some),
            Ends::Never => Ok(None),
        }
    }
}

fn date(year: i32, month: u32, day: u32) -> Result<NaiveDate, ApiError> {
    NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| ApiError::Internal(format!("no such date: {year}-{month}-{day}")))
}

/// Creates what is missing of the demo (accounts, then each alliance in one
/// transaction); returns the logins to show.
pub async fn load(state: &AppState) -> Result<Vec<Login>, ApiError> {
    let accounts = load_accounts(state).await?;
    let year = AcademicYear::of(Utc::now().date_naive());
    for seed in ALLIANCES {
        let mut conn = pool::get(&state.pool).await?;
        let created = conn
            .transaction::<_, ApiError, _>(async |conn| {
                load_alliance(conn, seed, &accounts, year).await
            })
            .await?;
        match created {
            Some(id) => tracing::info!(alliance.id = %id, "demo alliance loaded"),
            None => tracing::info!("demo alliance already there"),
        }
    }
    Ok(logins())
}

/// Creates the missing accounts; returns every demo account's id by email.
async fn load_accounts(state: &AppState) -> Result<HashMap<&'static str, UserId>, ApiError> {
    let mut ids = HashMap::new();
    for account in &ACCOUNTS {
        let email = Email::parse("email", account.email)?;
        let existing = {
            let mut conn = pool::get(&state.pool).await?;
            users::find_credentials(&mut conn, &email).await?
        };
        let id = match existing {
            Some((user, _)) => user.id,
            None => {
                let name = DisplayName::parse("display_name", account.display_name)?;
                // One hash per account: each has its own salt.
                let hash = state.passwords.hash(DEMO_PASSWORD.to_owned()).await?;
                create_account(
                    state,
                    Actor::system(),
                    &email,
                    &name,
                    &hash,
                    account.is_admin,
                )
                .await?
                .id
            }
        };
        ids.insert(account.email, id);
    }
    Ok(ids)
}

/// Creates an alliance (and its city if needed) with its partners, mandates and charter,
/// unless the city already has an alliance of that name. Call inside a transaction.
async fn load_alliance(
    conn: &mut AsyncPgConnection,
    seed: &AllianceSeed,
    accounts: &HashMap<&'static str, UserId>,
    year: AcademicYear,
) -> Result<Option<AllianceId>, ApiError> {
    let insee_code = InseeCode::parse("insee_code", seed.insee_code)?;
    let city = match find_city(conn, &insee_code).await? {
        Some(city) => city,
        None => create_city(conn, seed, &insee_code).await?,
    };
    if find_alliance(conn, city.id, seed.name).await?.is_some() {
        return Ok(None);
    }
    let alliance = cities::insert_alliance(
        conn,
        AllianceId::new(),
        AllianceChanges {
            city_id: Some(city.id.0),
            name: Some(name("name", seed.name)?),
            description: Some(description("description", seed.description)?),
            status: None,
        },
    )
    .await?;
    journal::append(
        conn,
        entry(
            None,
            Actor::system(),
            "alliance.created",
            "alliance",
            alliance.id.0,
            json!({"name": alliance.name, "city_id": city.id.0}),
        ),
    )
    .await?;
    let alliance = alliance.id;
    let joined_on = year.starts_on()?;

    let mut partner_ids: HashMap<&'static str, PartnerId> = HashMap::new();
    for p in seed.partners {
        let partner = partners::insert(
            conn,
            alliance,
            PartnerId::new(),
            PartnerChanges {
                name: Some(name("name", p.name)?),
                kind: Some(p.kind.as_str().to_owned()),
                description: Some(description("description", p.description)?),
                website: p
                    .website
                    .map(|w| website("website", w).map(Some))
                    .transpose()?,
                status: None,
                joined_on: Some(joined_on),
                left_on: None,
            },
        )
        .await?;
        journal::append(
            conn,
            entry(
                Some(alliance),
                Actor::system(),
                "partner.created",
                "partner",
                partner.id.0,
                json!({"name": partner.name, "kind": partner.kind.as_str()}),
            ),
        )
        .await?;
        partner_ids.insert(p.name, partner.id);
    }

    let mut speakers: HashMap<PartnerId, UserId> = HashMap::new();
    let mut coordinator = None;
    for s in seed.seats {
        let user = *accounts
            .get(s.email)
            .ok_or_else(|| ApiError::Internal("a demo seat names an unknown account".into()))?;
        let partner = *partner_ids
            .get(s.partner)
            .ok_or_else(|| ApiError::Internal("a demo seat names an unknown partner".into()))?;
        let record = mandates::insert(
            conn,
            NewMandate {
                id: MandateId::new(),
                alliance,
                user,
                partner,
                role: s.role,
                period: Period::new(joined_on, year.ends_on(s.ends)?)?,
                successor_of: None,
                handover_notes: notes("handover_notes", s.handover_notes)?,
            },
        )
        .await?;
        // The same entry as `POST /alliances/{id}/mandates`.
        let m = &record.mandate;
        journal::append(
            conn,
            entry(
                Some(alliance),
                Actor::system(),
                "mandate.created",
                "mandate",
                m.id.0,
                json!({
                    "user_id": m.user.0,
                    "partner_id": m.partner.0,
                    "role": m.role.as_str(),
                    "starts_on": m.period.starts_on,
                    "ends_on": m.period.ends_on,
                    "successor_of": m.successor_of.map(|s| s.0),
                }),
            ),
        )
        .await?;
        if s.role.speaks_for_partner() {
            speakers.entry(partner).or_insert(user);
        }
        if s.role == Role::Coordinator {
            coordinator.get_or_insert(user);
        }
    }

    if let Some(text) = seed.charter {
        let text = bounded_text("text", text, limits::CHARTER_TEXT)?;
        // As `POST /alliances/{id}/charters`: versions are numbered under the alliance's lock.
        cities::lock_alliance(conn, alliance).await?;
        let author = Actor {
            user: coordinator,
            partner: None,
        };
        let charter = charters::insert(conn, alliance, &text, coordinator, true).await?;
        journal::append(
            conn,
            entry(
                Some(alliance),
                author,
                "charter.version_created",
                "charter",
                charter.id,
                json!({"version": charter.version, "status": charter.status}),
            ),
        )
        .await?;
        for p in seed.partners.iter().filter(|p| p.signs_charter) {
            let partner = *partner_ids
                .get(p.name)
                .ok_or_else(|| ApiError::Internal("a demo partner is missing".into()))?;
            let signer = *speakers.get(&partner).ok_or_else(|| {
                ApiError::Internal("a demo partner signs the charter with nobody to sign".into())
            })?;
            charters::sign(conn, alliance, CharterId(charter.id), partner, signer).await?;
            journal::append(
                conn,
                entry(
                    Some(alliance),
                    Actor {
                        user: Some(signer),
                        partner: Some(partner),
                    },
                    "charter.signed",
                    "charter",
                    charter.id,
                    json!({"version": charter.version, "partner_id": partner.0}),
                ),
            )
            .await?;
        }
    }
    Ok(Some(alliance))
}

async fn create_city(
    conn: &mut AsyncPgConnection,
    seed: &AllianceSeed,
    insee_code: &InseeCode,
) -> Result<City, ApiError> {
    let city = cities::insert_city(
        conn,
        CityId::new(),
        CityChanges {
            name: Some(name("name", seed.city)?),
            insee_code: Some(insee_code.as_str().to_owned()),
            department: Some(place("department", seed.department)?),
            region: Some(place("region", seed.region)?),
        },
    )
    .await?;
    journal::append(
        conn,
        entry(
            None,
            Actor::system(),
            "city.created",
            "city",
            city.id.0,
            json!({"name": city.name, "insee_code": city.insee_code.as_str()}),
        ),
    )
    .await?;
    Ok(city)
}

/// The city of an INSEE code. The persistence layer has no lookup by code: this walks
/// the city list, a few hundred rows at most, once per load.
async fn find_city(
    conn: &mut AsyncPgConnection,
    insee_code: &InseeCode,
) -> Result<Option<City>, ApiError> {
    let mut page = PageRequest::<TimeKey>::first(MAX_LIMIT);
    loop {
        let Page { items, next_cursor } =
            cities::list_cities(conn, &CityFilter::default(), &page).await?;
        if let Some(city) = items.into_iter().find(|c| c.insee_code == *insee_code) {
            return Ok(Some(city));
        }
        match next_cursor.as_deref().and_then(decode_cursor) {
            Some(after) => page.after = Some(after),
            None => return Ok(None),
        }
    }
}

/// The alliance of this name in a city.
async fn find_alliance(
    conn: &mut AsyncPgConnection,
    city: CityId,
    alliance_name: &str,
) -> Result<Option<Alliance>, ApiError> {
    let filter = AllianceFilter {
        city: Some(city),
        ..AllianceFilter::default()
    };
    let mut page = PageRequest::<TimeKey>::first(MAX_LIMIT);
    loop {
        let Page { items, next_cursor } = cities::list_alliances(conn, &filter, &page).await?;
        if let Some(alliance) = items.into_iter().find(|a| a.name == alliance_name) {
            return Ok(Some(alliance));
        }
        match next_cursor.as_deref().and_then(decode_cursor) {
            Some(after) => page.after = Some(after),
            None => return Ok(None),
        }
    }
}

/// Whether the demo is there (its Sceaux coordinator's account exists): a database
/// migrated by `agir migrate` before the first `serve` has none until `agir demo load`.
pub async fn is_loaded(state: &AppState) -> bool {
    let Ok(email) = Email::parse("email", SCEAUX_COORDINATOR) else {
        return false;
    };
    let Ok(mut conn) = pool::get(&state.pool).await else {
        return false;
    };
    matches!(
        users::find_credentials(&mut conn, &email).await,
        Ok(Some(_))
    )
}

/// The demo logins worth showing, without touching the database.
pub fn logins() -> Vec<Login> {
    LOGINS.to_vec()
}

pub fn print_logins(logins: &[Login]) {
    println!("Demo logins (password: {DEMO_PASSWORD}):");
    for login in logins {
        println!("  {:<32} {}", login.email, login.role);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_academic_year_opens_on_1_september() {
        let year = AcademicYear::of(d("2026-06-15"));
        assert_eq!(year.starts_on().unwrap(), d("2025-09-01"));
        assert_eq!(
            year.ends_on(Ends::ThisAcademicYear).unwrap(),
            Some(d("2026-08-31"))
        );
        assert_eq!(
            year.ends_on(Ends::YearsLater(2)).unwrap(),
            Some(d("2028-08-31"))
        );
        assert_eq!(year.ends_on(Ends::Never).unwrap(), None);
        assert_eq!(AcademicYear::of(d("2026-08-31")), year);
        let next = AcademicYear::of(d("2026-09-01"));
        assert_eq!(next.starts_on().unwrap(), d("2026-09-01"));
        assert_eq!(
            next.ends_on(Ends::ThisAcademicYear).unwrap(),
            Some(d("2027-08-31"))
        );
    }

    #[test]
    fn every_seat_names_a_demo_account_and_a_partner_of_its_alliance() {
        for seed in ALLIANCES {
            for s in seed.seats {
                assert!(ACCOUNTS.iter().any(|a| a.email == s.email), "{}", s.email);
                assert!(
                    seed.partners.iter().any(|p| p.name == s.partner),
                    "{}",
                    s.partner
                );
            }
            assert_eq!(
                seed.seats
                    .iter()
                    .filter(|s| s.role == Role::Coordinator)
                    .count(),
                1,
                "{} needs one coordinator",
                seed.name
            );
            for p in seed.partners.iter().filter(|p| p.signs_charter) {
                assert!(
                    seed.seats
                        .iter()
                        .any(|s| s.partner == p.name && s.role.speaks_for_partner()),
                    "{} signs with nobody to sign",
                    p.name
                );
            }
        }
        for login in logins() {
            assert!(ACCOUNTS.iter().any(|a| a.email == login.email));
        }
    }

    #[test]
    fn only_ecolophi_leaves_within_a_year() {
        // Whatever the day, staff stay more than 366 days: only Ecolo'phi is at risk.
        for seed in ALLIANCES {
            for s in seed.seats.iter().filter(|s| s.role.speaks_for_partner()) {
                let short = s.ends == Ends::ThisAcademicYear;
                assert_eq!(short, s.email == ECOLOPHI_PRESIDENT, "{}", s.email);
                if let Ends::YearsLater(n) = s.ends {
                    assert!(n >= 2, "{} could enter the report", s.email);
                }
            }
        }
    }
}
