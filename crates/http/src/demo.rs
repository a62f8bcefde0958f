//! Demo data: the Sceaux alliance of the seed document (the city, its higher-education
//! establishments, Ecolo'phi, the IUT's sustainable-development office and the merchants),
//! and a smaller alliance in Antony to try role scoping across alliances.
//!
//! Loaded by `agir demo load` and on the first start of the embedded database. Every
//! write goes through the persistence calls the API uses and is journaled as the API
//! journals it: accounts through [`agir_app::users::create_account`], then one transaction per alliance
//! for its city, the alliance, its partners, mandates and charter, and then its action
//! plans. Loading twice changes nothing: existing accounts, cities and alliances are left
//! as they are, and an alliance's plans are loaded only while it has no plan for the
//! current academic year (a plan already there for a year is never touched).
//!
//! Dates follow the academic year (1 September to 31 August) of the day of loading:
//! mandates start on the 1 September that opened it; students leave on the 31 August
//! that closes it; staff stay longer, so that the succession report shows the one
//! partner at risk, Ecolo'phi, whose president leaves with no successor designated.
//!
//! Sceaux's plans are the seed's: the seed tells of a disco soupe and a forum of the
//! social economy already held, and of projects to come. They cannot all sit in one plan
//! (adopting a plan adopts its proposals, and a closed plan takes no more), so they make
//! two, as the alliance would have lived them: the previous academic year's plan,
//! `closed`, whose disco soupe and ESS forum were completed with measurements recorded by
//! the partner that led them and confirmed by another partner (public, verified results);
//! and the current year's "even more ambitious" plan, in `consultation` (members only),
//! with the collection of fruit and vegetables for people in need, taken up by students of
//! the Faculté Jean-Monnet in their curriculum, the collective compost in a student
//! residence, the solidarity pantry and the celebration of achievements, all `proposed`.
//! Events: the disco soupe and the forum last year; this year, the June handover meeting
//! that introduces the new association presidents, and the celebration.

use std::collections::HashMap;

use agir_domain::alliance::{
    Alliance, City, InseeCode, PartnerKind, description, limits, name, place, website,
};
use agir_domain::error::bounded_text;
use agir_domain::ids::{
    ActionId, AllianceId, CityId, IndicatorId, MandateId, MeasurementId, PartnerId, UserId,
};
use agir_domain::journal::Event;
use agir_domain::mandate::{Period, Role};
use agir_domain::plan::{
    AcademicYear as PlanYear, ActionStatus, CatalogueIndicator, EventKind, Phase, Proposer,
    ReviewStatus, Theme, Verdict, can_add_action, can_edit_action, sdgs,
};
use agir_domain::user::{DisplayName, Email};
use agir_persistence::cities::{self, AllianceChanges, AllianceFilter, CityChanges, CityFilter};
use agir_persistence::events::{self, NewEvent};
use agir_persistence::journal::{self, Actor};
use agir_persistence::mandates::{self, NewMandate};
use agir_persistence::page::{MAX_LIMIT, Page, PageRequest, TimeKey, decode_cursor};
use agir_persistence::partners::{self, PartnerChanges};
use agir_persistence::plans::{self, ActionChanges, Curriculum, NewAction, Plan};
use agir_persistence::results::{self, NewIndicator, NewMeasurement};
use agir_persistence::{AsyncConnection, AsyncPgConnection, charters, comments, pool, users};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::problem::ApiError;
use crate::state::AppState;
use agir_app::mandates::notes;
use agir_app::plans::apply_phase;

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
    /// The academic year whose 1 September its partners joined on.
    joined: Year,
    partners: &'static [PartnerSeed],
    seats: &'static [Seat],
    /// Version 1 of the charter, current, signed by the partners that sign it.
    charter: Option<&'static str>,
    /// Its action plans, oldest first.
    plans: &'static [PlanSeed],
}

/// An academic year, from the one of the day of loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Year {
    Previous,
    Current,
}

/// A day of an academic year: September to December fall in its first calendar year,
/// January to August in its second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Day {
    month: u32,
    day: u32,
}

const fn on(month: u32, day: u32) -> Day {
    Day { month, day }
}

/// An action plan to create with its actions and events.
struct PlanSeed {
    year: Year,
    description: &'static str,
    /// The phase the coordinator leaves it in, moving it one phase at a time from
    /// `draft`. Actions are proposed once it is open to consultation (or in `draft` if
    /// it stays there); those to complete are carried out once it is adopted.
    phase: Phase,
    actions: &'static [ActionSeed],
    events: &'static [EventSeed],
}

/// An action to propose.
struct ActionSeed {
    title: &'static str,
    description: &'static str,
    theme: Theme,
    sdgs: &'static [i64],
    /// The account that proposes it, and the partner it proposes for: the attribution
    /// that never changes.
    proposed_by: &'static str,
    proposing_partner: &'static str,
    lead_partner: &'static str,
    contributing_partners: &'static [&'static str],
    planned: Option<(Day, Day)>,
    curriculum: Option<CurriculumSeed>,
    /// Set by the proposer with the proposal.
    indicators: &'static [IndicatorSeed],
    /// Partners supporting the proposal: (representative's account, partner).
    endorsements: &'static [(&'static str, &'static str)],
    /// (author's account, text).
    comments: &'static [(&'static str, &'static str)],
    /// Carried out once the plan is adopted: its proposer sets it in progress, the
    /// measurements are recorded, it is completed, then each measurement is confirmed.
    completed: bool,
}

/// Students of an establishment take the action up in a course of the plan's year.
struct CurriculumSeed {
    partner: &'static str,
    course: &'static str,
    students: i32,
}

/// A catalogue indicator of an action, and its measurement if the action was carried out.
struct IndicatorSeed {
    catalogue: CatalogueIndicator,
    target: Option<f64>,
    measurement: Option<MeasurementSeed>,
}

/// A measurement with its evidence (a note), and the review that confirms it.
struct MeasurementSeed {
    value: f64,
    measured_on: Day,
    note: &'static str,
    /// (account, partner taking part in the action) that records it.
    recorded_by: (&'static str, &'static str),
    /// (representative's account, another partner) that confirms it.
    confirmed_by: (&'static str, &'static str),
}

/// An event the coordinator plans. Times are UTC (Paris is one or two hours ahead).
struct EventSeed {
    title: &'static str,
    kind: EventKind,
    description: &'static str,
    on: Day,
    starts: (u32, u32),
    ends: (u32, u32),
    place: &'static str,
    attendance: Option<i32>,
    partners: &'static [&'static str],
    /// Titles of actions of the same plan.
    actions: &'static [&'static str],
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
    // The alliance ran its first plan last year (the disco soupe, the ESS forum).
    joined: Year::Previous,
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
    plans: SCEAUX_PLANS,
};

const DISCO_SOUPE: &str = "Disco soupe avec les commerçants du centre-ville";
const FORUM_ESS: &str = "Participation au forum de l'ESS";
const COLLECTE: &str = "Collecte de fruits et légumes redistribués à des publics fragiles";
const COMPOST: &str = "Compost collectif dans une résidence étudiante";
const GARDE_MANGER: &str = "Garde-manger solidaire";
const FETE: &str = "Fête des réussites de l'alliance";

/// The seed's plans: last year's, closed with its results confirmed; this year's, in
/// consultation (see the module documentation).
const SCEAUX_PLANS: &[PlanSeed] = &[
    PlanSeed {
        year: Year::Previous,
        description: "Premier plan d'actions co-construit de l'alliance : une disco soupe \
            avec les étudiants, les associations et les commerçants, et la participation au \
            forum de l'économie sociale et solidaire.",
        phase: Phase::Closed,
        actions: &[
            ActionSeed {
                title: DISCO_SOUPE,
                description: "Récupérer auprès des commerçants les fruits et légumes \
                    invendus, les cuisiner ensemble en musique et partager soupes et salades \
                    avec les habitants : une action contre le gaspillage alimentaire, fruit \
                    d'un partenariat entre les étudiants, les associations et les commerçants.",
                theme: Theme::Food,
                sdgs: &[2, 11, 12],
                proposed_by: ECOLOPHI_PRESIDENT,
                proposing_partner: ECOLOPHI,
                lead_partner: ECOLOPHI,
                contributing_partners: &[COMMERCANTS, VILLE_DE_SCEAUX],
                planned: Some((on(9, 15), on(10, 18))),
                curriculum: None,
                indicators: &[
                    IndicatorSeed {
                        catalogue: CatalogueIndicator::FoodCollectedKg,
                        target: Some(80.0),
                        measurement: Some(MeasurementSeed {
                            value: 92.0,
                            measured_on: on(10, 18),
                            note: "Pesée des fruits et légumes invendus récupérés le matin \
                                auprès de six commerçants du centre-ville, avant épluchage.",
                            recorded_by: (ECOLOPHI_PRESIDENT, ECOLOPHI),
                            confirmed_by: ("isabelle.fontaine@sceaux.demo", COMMERCANTS),
                        }),
                    },
                    IndicatorSeed {
                        catalogue: CatalogueIndicator::Participants,
                        target: Some(100.0),
                        measurement: Some(MeasurementSeed {
                            value: 140.0,
                            measured_on: on(10, 18),
                            note: "Bols de soupe servis à la table de partage, comptés par \
                                les bénévoles d'Ecolo'phi.",
                            recorded_by: (ECOLOPHI_PRESIDENT, ECOLOPHI),
                            confirmed_by: ("helene.garnier@sceaux.demo", VILLE_DE_SCEAUX),
                        }),
                    },
                ],
                endorsements: &[("isabelle.fontaine@sceaux.demo", COMMERCANTS)],
                comments: &[(
                    "isabelle.fontaine@sceaux.demo",
                    "Les commerçants sont partants : nous mettrons de côté les invendus de \
                    la veille et prêterons des tables.",
                )],
                completed: true,
            },
            ActionSeed {
                title: FORUM_ESS,
                description: "Tenir le stand de l'alliance au forum de l'économie sociale \
                    et solidaire pendant le mois de l'ESS : présenter les initiatives des \
                    étudiants, rencontrer les structures de l'ESS du territoire et trouver \
                    de nouveaux bénévoles.",
                theme: Theme::SocialEconomy,
                sdgs: &[4, 8, 17],
                proposed_by: "karim.benali@sceaux.demo",
                proposing_partner: BUREAU_DD,
                lead_partner: BUREAU_DD,
                contributing_partners: &[IUT, VILLE_DE_SCEAUX],
                planned: Some((on(11, 1), on(11, 30))),
                curriculum: None,
                indicators: &[
                    IndicatorSeed {
                        catalogue: CatalogueIndicator::StudentsInvolved,
                        target: Some(10.0),
                        measurement: Some(MeasurementSeed {
                            value: 12.0,
                            measured_on: on(11, 20),
                            note: "Feuille d'émargement des étudiants qui ont tenu le stand \
                                à tour de rôle.",
                            recorded_by: ("karim.benali@sceaux.demo", BUREAU_DD),
                            confirmed_by: ("marc.lefevre@sceaux.demo", IUT),
                        }),
                    },
                    IndicatorSeed {
                        catalogue: CatalogueIndicator::Participants,
                        target: Some(50.0),
                        measurement: Some(MeasurementSeed {
                            value: 75.0,
                            measured_on: on(11, 20),
                            note: "Visiteurs du stand comptés au fil de la journée ; \
                                fiches contact remplies par les futurs bénévoles.",
                            recorded_by: ("karim.benali@sceaux.demo", BUREAU_DD),
                            confirmed_by: ("helene.garnier@sceaux.demo", VILLE_DE_SCEAUX),
                        }),
                    },
                ],
                endorsements: &[("helene.garnier@sceaux.demo", VILLE_DE_SCEAUX)],
                comments: &[],
                completed: true,
            },
        ],
        events: &[
            EventSeed {
                title: "Disco soupe",
                kind: EventKind::PublicAction,
                description: "Épluchage en musique des invendus des commerçants, puis \
                    dégustation partagée avec les habitants.",
                on: on(10, 18),
                starts: (8, 0),
                ends: (13, 0),
                place: "Centre-ville de Sceaux",
                attendance: Some(140),
                partners: &[ECOLOPHI, COMMERCANTS, VILLE_DE_SCEAUX],
                actions: &[DISCO_SOUPE],
            },
            EventSeed {
                title: "Forum de l'ESS",
                kind: EventKind::Forum,
                description: "Le stand de l'alliance au forum de l'économie sociale et \
                    solidaire, pendant le mois de l'ESS.",
                on: on(11, 20),
                starts: (13, 0),
                ends: (18, 0),
                place: "Sceaux",
                attendance: Some(75),
                partners: &[BUREAU_DD, IUT, VILLE_DE_SCEAUX],
                actions: &[FORUM_ESS],
            },
        ],
    },
    PlanSeed {
        year: Year::Current,
        description: "Reconduire l'alliance avec un plan d'actions encore plus ambitieux, \
            co-construit par les partenaires. En consultation : chaque partenaire peut encore \
            proposer des actions, les commenter et les soutenir avant le vote.",
        phase: Phase::Consultation,
        actions: &[
            ActionSeed {
                title: COLLECTE,
                description: "Collecter chaque semaine les fruits et légumes invendus des \
                    commerçants et organiser leur redistribution à des publics fragiles. \
                    Pour donner plus d'envergure au projet, des étudiants de la Faculté \
                    Jean-Monnet le prennent en charge dans le cadre de leur cursus.",
                theme: Theme::Solidarity,
                sdgs: &[1, 2, 12],
                proposed_by: "nathalie.roux@sceaux.demo",
                proposing_partner: JEAN_MONNET,
                lead_partner: JEAN_MONNET,
                contributing_partners: &[COMMERCANTS, VILLE_DE_SCEAUX],
                planned: Some((on(1, 11), on(6, 27))),
                curriculum: Some(CurriculumSeed {
                    partner: JEAN_MONNET,
                    course: "Licence — projet tutoré « Agir ensemble »",
                    students: 12,
                }),
                indicators: &[
                    IndicatorSeed {
                        catalogue: CatalogueIndicator::FoodCollectedKg,
                        target: Some(500.0),
                        measurement: None,
                    },
                    IndicatorSeed {
                        catalogue: CatalogueIndicator::Beneficiaries,
                        target: Some(60.0),
                        measurement: None,
                    },
                ],
                endorsements: &[("isabelle.fontaine@sceaux.demo", COMMERCANTS)],
                comments: &[(
                    "helene.garnier@sceaux.demo",
                    "Le centre communal d'action sociale peut nous mettre en relation avec \
                    les associations d'aide alimentaire pour la redistribution.",
                )],
                completed: false,
            },
            ActionSeed {
                title: COMPOST,
                description: "Installer un composteur partagé dans une résidence \
                    étudiante, former des référents parmi les résidents et peser ce qui y \
                    est composté.",
                theme: Theme::Waste,
                sdgs: &[11, 12],
                proposed_by: "hugo.petit@sceaux.demo",
                proposing_partner: ECOLOPHI,
                lead_partner: ECOLOPHI,
                contributing_partners: &[EPF],
                planned: Some((on(3, 1), on(6, 30))),
                curriculum: None,
                indicators: &[IndicatorSeed {
                    catalogue: CatalogueIndicator::CompostKg,
                    target: Some(200.0),
                    measurement: None,
                }],
                endorsements: &[("julien.moreau@sceaux.demo", EPF)],
                comments: &[(
                    ECOLOPHI_PRESIDENT,
                    "Le devis du composteur est en attente : à relancer, et à transmettre à \
                    la future présidence lors de la passation de juin.",
                )],
                completed: false,
            },
            ActionSeed {
                title: GARDE_MANGER,
                description: "Un garde-manger en libre accès sur le campus : chacun y \
                    dépose ou y prend des denrées non périssables ; des étudiants bénévoles \
                    l'entretiennent.",
                theme: Theme::Solidarity,
                sdgs: &[1, 2, 10],
                proposed_by: "yanis.mercier@sceaux.demo",
                proposing_partner: IUT,
                lead_partner: BUREAU_DD,
                contributing_partners: &[],
                planned: None,
                curriculum: None,
                indicators: &[],
                endorsements: &[("karim.benali@sceaux.demo", BUREAU_DD)],
                comments: &[(
                    "ines.girard@sceaux.demo",
                    "Ecolo'phi peut aider à le réapprovisionner après la collecte.",
                )],
                completed: false,
            },
            ActionSeed {
                title: FETE,
                description: "Célébrer en fin d'année les réussites menées par l'alliance \
                    locale avec les partenaires, les étudiants et les habitants, et remercier \
                    les bénévoles.",
                theme: Theme::Culture,
                sdgs: &[17],
                proposed_by: SCEAUX_COORDINATOR,
                proposing_partner: VILLE_DE_SCEAUX,
                lead_partner: VILLE_DE_SCEAUX,
                contributing_partners: &[ECOLOPHI, BUREAU_DD],
                planned: Some((on(6, 26), on(6, 26))),
                curriculum: None,
                indicators: &[IndicatorSeed {
                    catalogue: CatalogueIndicator::Participants,
                    target: Some(150.0),
                    measurement: None,
                }],
                endorsements: &[],
                comments: &[],
                completed: false,
            },
        ],
        events: &[
            EventSeed {
                title: "Rencontre de passation de juin",
                kind: EventKind::Handover,
                description: "Faire connaissance avec les nouveaux présidents des \
                    associations étudiantes et passer le relais, pour que l'alliance soit \
                    opérationnelle dès le mois de septembre.",
                on: on(6, 10),
                starts: (16, 0),
                ends: (18, 30),
                place: "Hôtel de ville de Sceaux",
                attendance: None,
                partners: &[VILLE_DE_SCEAUX, IUT, JEAN_MONNET, EPF, ECOLOPHI, BUREAU_DD],
                actions: &[],
            },
            EventSeed {
                title: "Fête des réussites",
                kind: EventKind::Celebration,
                description: "La fête des réussites menées par l'alliance locale, ouverte \
                    aux habitants.",
                on: on(6, 26),
                starts: (16, 0),
                ends: (20, 0),
                place: "Centre-ville de Sceaux",
                attendance: None,
                partners: &[
                    VILLE_DE_SCEAUX,
                    IUT,
                    JEAN_MONNET,
                    EPF,
                    ECOLOPHI,
                    BUREAU_DD,
                    COMMERCANTS,
                ],
                actions: &[FETE],
            },
        ],
    },
];

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
    joined: Year::Current,
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
    plans: &[],
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

    fn relative(self, year: Year) -> Self {
        match year {
            Year::Previous => Self {
                first_year: self.first_year - 1,
            },
            Year::Current => self,
        }
    }

    /// The academic year as plans name it, `"2025-2026"`.
    fn of_plans(self) -> Result<PlanYear, ApiError> {
        Ok(PlanYear::containing(self.starts_on()?))
    }

    fn day(self, day: Day) -> Result<NaiveDate, ApiError> {
        let year = if day.month >= 9 {
            self.first_year
        } else {
            self.first_year + 1
        };
        date(year, day.month, day.day)
    }

    fn at(self, day: Day, (hour, minute): (u32, u32)) -> Result<DateTime<Utc>, ApiError> {
        self.day(day)?
            .and_hms_opt(hour, minute, 0)
            .map(|t| t.and_utc())
            .ok_or_else(|| ApiError::Internal(format!("no such time: {hour}:{minute}")))
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
        let (alliance, created, plans) = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let (alliance, created) = load_alliance(conn, seed, &accounts, year).await?;
                let plans = load_plans(conn, seed, alliance, &accounts, year).await?;
                Ok((alliance, created, plans))
            })
            .await?;
        if created {
            tracing::info!(alliance.id = %alliance, "demo alliance loaded");
        } else {
            tracing::info!(alliance.id = %alliance, "demo alliance already there");
        }
        if plans > 0 {
            tracing::info!(alliance.id = %alliance, plans, "demo plans loaded");
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
                let mut conn = pool::get(&state.pool).await?;
                agir_app::users::create_account(
                    &mut conn,
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
/// Returns the alliance, and whether it was created.
async fn load_alliance(
    conn: &mut AsyncPgConnection,
    seed: &AllianceSeed,
    accounts: &HashMap<&'static str, UserId>,
    year: AcademicYear,
) -> Result<(AllianceId, bool), ApiError> {
    let insee_code = InseeCode::parse("insee_code", seed.insee_code)?;
    let city = match find_city(conn, &insee_code).await? {
        Some(city) => city,
        None => create_city(conn, seed, &insee_code).await?,
    };
    if let Some(existing) = find_alliance(conn, city.id, seed.name).await? {
        return Ok((existing.id, false));
    }
    let alliance = cities::insert_alliance(
        conn,
        AllianceId::new(),
        AllianceChanges {
            city: Some(city.id),
            name: Some(name("name", seed.name)?),
            description: Some(description("description", seed.description)?),
            status: None,
        },
    )
    .await?;
    journal::append(
        conn,
        None,
        Actor::system(),
        &Event::AllianceCreated {
            alliance: alliance.id,
            name: alliance.name.clone(),
            city: city.id,
        },
    )
    .await?;
    let alliance = alliance.id;
    let joined_on = year.relative(seed.joined).starts_on()?;
    let mandates_start = year.starts_on()?;

    let mut partner_ids: HashMap<&'static str, PartnerId> = HashMap::new();
    for p in seed.partners {
        let partner = partners::insert(
            conn,
            alliance,
            PartnerId::new(),
            PartnerChanges {
                name: Some(name("name", p.name)?),
                kind: Some(p.kind),
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
            Some(alliance),
            Actor::system(),
            &Event::PartnerCreated {
                partner: partner.id,
                name: partner.name.clone(),
                kind: partner.kind,
            },
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
                period: Period::new(mandates_start, year.ends_on(s.ends)?)?,
                successor_of: None,
                handover_notes: notes("handover_notes", s.handover_notes)?,
            },
        )
        .await?;
        // The same entry as `POST /alliances/{id}/mandates`.
        journal::append(
            conn,
            Some(alliance),
            Actor::system(),
            &Event::MandateCreated {
                mandate: record.mandate.clone(),
            },
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
            Some(alliance),
            author,
            &Event::CharterVersionCreated {
                charter: charter.id,
                version: charter.version,
                status: charter.status,
            },
        )
        .await?;
        for p in seed.partners.iter().filter(|p| p.signs_charter) {
            let partner = *partner_ids
                .get(p.name)
                .ok_or_else(|| ApiError::Internal("a demo partner is missing".into()))?;
            let signer = *speakers.get(&partner).ok_or_else(|| {
                ApiError::Internal("a demo partner signs the charter with nobody to sign".into())
            })?;
            charters::sign(conn, alliance, charter.id, partner, signer).await?;
            journal::append(
                conn,
                Some(alliance),
                Actor {
                    user: Some(signer),
                    partner: Some(partner),
                },
                &Event::CharterSigned {
                    charter: charter.id,
                    version: charter.version,
                    partner,
                },
            )
            .await?;
        }
    }
    Ok((alliance, true))
}

/// What plan loading resolves names against.
struct PlanContext<'a> {
    alliance: AllianceId,
    accounts: &'a HashMap<&'static str, UserId>,
    partners: HashMap<String, PartnerId>,
    coordinator: UserId,
}

impl PlanContext<'_> {
    fn user(&self, email: &str) -> Result<UserId, ApiError> {
        self.accounts.get(email).copied().ok_or_else(|| {
            ApiError::Internal(format!("a demo plan names an unknown account: {email}"))
        })
    }

    fn partner(&self, partner: &str) -> Result<PartnerId, ApiError> {
        self.partners.get(partner).copied().ok_or_else(|| {
            ApiError::Internal(format!("a demo plan names an unknown partner: {partner}"))
        })
    }

    /// The coordinator, for the journal, as `scope.actor()` journals a coordinator.
    fn coordinator(&self) -> Actor {
        Actor {
            user: Some(self.coordinator),
            partner: None,
        }
    }

    /// A person, for the journal, as `scope.actor()` journals them.
    fn person(&self, email: &str) -> Result<Actor, ApiError> {
        Ok(Actor {
            user: Some(self.user(email)?),
            partner: None,
        })
    }

    /// A person acting for a partner, as `scope.actor_for(partner)` journals them.
    fn acting_for(&self, email: &str, partner: &str) -> Result<(Actor, PartnerId), ApiError> {
        let partner = self.partner(partner)?;
        Ok((
            Actor {
                user: Some(self.user(email)?),
                partner: Some(partner),
            },
            partner,
        ))
    }
}

/// Every partner name the plans of a seed use.
fn plan_partners(seed: &AllianceSeed) -> impl Iterator<Item = &'static str> {
    seed.plans.iter().flat_map(|plan| {
        let actions = plan.actions.iter().flat_map(|a| {
            let mut names = vec![a.proposing_partner, a.lead_partner];
            names.extend(a.contributing_partners);
            names.extend(a.curriculum.as_ref().map(|c| c.partner));
            names.extend(a.endorsements.iter().map(|(_, p)| *p));
            for i in a.indicators {
                if let Some(m) = &i.measurement {
                    names.extend([m.recorded_by.1, m.confirmed_by.1]);
                }
            }
            names
        });
        let events = plan.events.iter().flat_map(|e| e.partners.iter().copied());
        actions.chain(events).collect::<Vec<_>>()
    })
}

/// Creates the seed's missing plans, unless the alliance already has a plan for the
/// current academic year; a plan already there for one of the seed's years is left as
/// it is, with its actions and events. Call inside the alliance's transaction. Returns
/// how many plans were created.
async fn load_plans(
    conn: &mut AsyncPgConnection,
    seed: &AllianceSeed,
    alliance: AllianceId,
    accounts: &HashMap<&'static str, UserId>,
    year: AcademicYear,
) -> Result<usize, ApiError> {
    if seed.plans.is_empty() {
        return Ok(0);
    }
    let existing = plan_years(conn, alliance).await?;
    if existing.contains(&year.of_plans()?) {
        return Ok(0);
    }
    let partners: HashMap<String, PartnerId> = partners::all_active(conn, alliance)
        .await?
        .into_iter()
        .map(|p| (p.name, p.id))
        .collect();
    // An alliance loaded earlier may have lost a partner since: leave its plans to it.
    if let Some(missing) = plan_partners(seed).find(|p| !partners.contains_key(*p)) {
        tracing::warn!(
            alliance.id = %alliance,
            partner = missing,
            "demo plans not loaded: a partner they name is no longer active"
        );
        return Ok(0);
    }
    let coordinator = seed
        .seats
        .iter()
        .find(|s| s.role == Role::Coordinator)
        .ok_or_else(|| ApiError::Internal("a demo alliance has no coordinator".into()))?;
    let context = PlanContext {
        alliance,
        accounts,
        partners,
        coordinator: *accounts
            .get(coordinator.email)
            .ok_or_else(|| ApiError::Internal("the demo coordinator has no account".into()))?,
    };
    let mut created = 0;
    for plan in seed.plans {
        let plan_year = year.relative(plan.year);
        if existing.contains(&plan_year.of_plans()?) {
            continue;
        }
        load_plan(conn, &context, plan, plan_year).await?;
        created += 1;
    }
    Ok(created)
}

/// The academic years an alliance has plans for.
async fn plan_years(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
) -> Result<Vec<PlanYear>, ApiError> {
    let mut years = Vec::new();
    let mut page = PageRequest::<TimeKey>::first(MAX_LIMIT);
    loop {
        let Page { items, next_cursor } = plans::list_plans(conn, alliance, false, &page).await?;
        years.extend(items.iter().map(|p| p.academic_year));
        match next_cursor.as_deref().and_then(decode_cursor) {
            Some(after) => page.after = Some(after),
            None => return Ok(years),
        }
    }
}

/// An action created from its seed, with its indicators in the seed's order.
struct Created<'s> {
    seed: &'s ActionSeed,
    id: ActionId,
    indicators: Vec<IndicatorId>,
}

/// Creates a plan as the coordinator would through the API: created in `draft`, moved
/// to consultation, its actions proposed by the partners, adopted, its completed actions
/// carried out, closed; then its events.
async fn load_plan(
    conn: &mut AsyncPgConnection,
    context: &PlanContext<'_>,
    seed: &PlanSeed,
    year: AcademicYear,
) -> Result<(), ApiError> {
    let alliance = context.alliance;
    let academic_year = year.of_plans()?;
    // As `POST /alliances/{id}/plans`, with its default title.
    let title = name("title", &format!("Plan d'actions {academic_year}"))?;
    let mut plan = plans::insert_plan(
        conn,
        alliance,
        academic_year,
        &title,
        &description("description", seed.description)?,
        None,
        Some(context.coordinator),
    )
    .await?;
    journal::append(
        conn,
        Some(alliance),
        context.coordinator(),
        &Event::PlanCreated {
            plan: plan.id,
            academic_year,
            title: plan.title.clone(),
        },
    )
    .await?;

    plan = advance(conn, context, plan, seed.phase.min(Phase::Consultation)).await?;
    let mut actions = Vec::with_capacity(seed.actions.len());
    for action in seed.actions {
        actions.push(propose(conn, context, &plan, action, year).await?);
    }
    plan = advance(conn, context, plan, seed.phase.min(Phase::Adopted)).await?;
    for action in actions.iter().filter(|a| a.seed.completed) {
        carry_out(conn, context, &plan, action, year).await?;
    }
    advance(conn, context, plan, seed.phase).await?;

    for event in seed.events {
        create_event(conn, context, event, &actions, year).await?;
    }
    Ok(())
}

/// Moves a plan forward one phase at a time up to `to`, as
/// `POST /alliances/{id}/plans/{plan_id}/transition` does (adopting the plan adopts
/// its proposed actions).
async fn advance(
    conn: &mut AsyncPgConnection,
    context: &PlanContext<'_>,
    mut plan: Plan,
    to: Phase,
) -> Result<Plan, ApiError> {
    for next in [
        Phase::Consultation,
        Phase::Voting,
        Phase::Adopted,
        Phase::Closed,
    ] {
        if plan.phase < next && next <= to {
            let phase = plan.phase.transition(next)?;
            plan = apply_phase(conn, context.alliance, context.coordinator(), plan, phase).await?;
        }
    }
    Ok(plan)
}

/// Proposes an action as `POST /alliances/{id}/plans/{plan_id}/actions` does, then
/// its indicators (`POST .../indicators`), endorsements and comments.
async fn propose<'s>(
    conn: &mut AsyncPgConnection,
    context: &PlanContext<'_>,
    plan: &Plan,
    seed: &'s ActionSeed,
    year: AcademicYear,
) -> Result<Created<'s>, ApiError> {
    let alliance = context.alliance;
    let (actor, proposing) = context.acting_for(seed.proposed_by, seed.proposing_partner)?;
    let proposed_by = context.user(seed.proposed_by)?;
    let proposer = if proposed_by == context.coordinator {
        Proposer::Coordinator
    } else {
        Proposer::Member
    };
    can_add_action(plan.phase, proposer)?;
    let curriculum = match &seed.curriculum {
        Some(c) => Some(Curriculum {
            partner: context.partner(c.partner)?,
            course: bounded_text("curriculum.course", c.course, 200)?,
            academic_year: Some(year.of_plans()?.to_string()),
            students: Some(c.students),
        }),
        None => None,
    };
    let (planned_start, planned_end) = match seed.planned {
        Some((start, end)) => (Some(year.day(start)?), Some(year.day(end)?)),
        None => (None, None),
    };
    let contributing_partners = seed
        .contributing_partners
        .iter()
        .map(|p| context.partner(p))
        .collect::<Result<Vec<_>, _>>()?;
    let action = plans::insert_action(
        conn,
        NewAction {
            id: ActionId::new(),
            alliance,
            plan: plan.id,
            title: name("title", seed.title)?,
            description: description("description", seed.description)?,
            theme: seed.theme,
            sdgs: sdgs("sdgs", seed.sdgs)?,
            proposed_by,
            proposing_partner: proposing,
            lead_partner: context.partner(seed.lead_partner)?,
            contributing_partners,
            planned_start,
            planned_end,
            status: if plan.phase == Phase::Adopted {
                ActionStatus::Adopted
            } else {
                ActionStatus::Proposed
            },
            curriculum,
            carried_over_from: None,
        },
    )
    .await?;
    journal::append(
        conn,
        Some(alliance),
        actor,
        &Event::ActionProposed {
            action: action.id,
            plan: plan.id,
            title: action.title.clone(),
            theme: action.theme,
            proposing_partner: proposing,
            status: action.status,
        },
    )
    .await?;

    let mut indicators = Vec::with_capacity(seed.indicators.len());
    for i in seed.indicators {
        let (indicator_name, unit) = i.catalogue.name_and_unit();
        let indicator = results::insert_indicator(
            conn,
            NewIndicator {
                id: IndicatorId::new(),
                alliance,
                action: action.id,
                catalogue: Some(i.catalogue),
                name: indicator_name.to_owned(),
                unit: unit.to_owned(),
                target: i.target,
            },
        )
        .await?;
        journal::append(
            conn,
            Some(alliance),
            context.person(seed.proposed_by)?,
            &Event::IndicatorCreated {
                indicator: indicator.id,
                action: action.id,
                catalogue: indicator.catalogue.map(|c| c.as_str().to_owned()),
                name: indicator.name.clone(),
                unit: indicator.unit.clone(),
                target: indicator.target,
            },
        )
        .await?;
        indicators.push(indicator.id);
    }

    for (email, partner) in seed.endorsements {
        let (actor, partner) = context.acting_for(email, partner)?;
        comments::endorse(conn, alliance, action.id, partner, context.user(email)?).await?;
        journal::append(
            conn,
            Some(alliance),
            actor,
            &Event::ActionEndorsed {
                action: action.id,
                partner,
            },
        )
        .await?;
    }

    for (email, text) in seed.comments {
        let text = bounded_text("body", text, 5_000)?;
        let comment =
            comments::insert_comment(conn, alliance, action.id, context.user(email)?, &text)
                .await?;
        journal::append(
            conn,
            Some(alliance),
            context.person(email)?,
            &Event::CommentCreated {
                comment: comment.id,
                action: action.id,
            },
        )
        .await?;
    }
    Ok(Created {
        seed,
        id: action.id,
        indicators,
    })
}

/// Carries an adopted action out as its partners would through the API: its proposer
/// sets it in progress, each measurement is recorded with its evidence by a partner
/// taking part, the proposer completes it, and another partner confirms each
/// measurement, so that the action is verified.
async fn carry_out(
    conn: &mut AsyncPgConnection,
    context: &PlanContext<'_>,
    plan: &Plan,
    action: &Created<'_>,
    year: AcademicYear,
) -> Result<(), ApiError> {
    let alliance = context.alliance;
    let progressed_by = context.person(action.seed.proposed_by)?;
    set_status(
        conn,
        context,
        progressed_by,
        plan,
        action.id,
        ActionStatus::InProgress,
    )
    .await?;

    let participants = plans::find_action(conn, alliance, action.id)
        .await?
        .ok_or_else(|| ApiError::not_found("action"))?
        .participants();
    let mut recorded = Vec::new();
    for (indicator, seed) in action.indicators.iter().zip(action.seed.indicators) {
        let Some(m) = &seed.measurement else {
            continue;
        };
        let (recorder, partner) = context.acting_for(m.recorded_by.0, m.recorded_by.1)?;
        if !participants.contains(&partner) {
            return Err(ApiError::Internal(
                "a demo measurement is recorded by a partner outside the action".into(),
            ));
        }
        let note = bounded_text("note", m.note, 5_000)?;
        let measurement = results::insert_measurement(
            conn,
            NewMeasurement {
                id: MeasurementId::new(),
                alliance,
                indicator: *indicator,
                value: m.value,
                measured_on: year.day(m.measured_on)?,
                evidence_url: None,
                note: Some(note),
                recorded_by: context.user(m.recorded_by.0)?,
                partner,
            },
        )
        .await?;
        journal::append(
            conn,
            Some(alliance),
            recorder,
            &Event::MeasurementRecorded {
                measurement: measurement.id,
                indicator: *indicator,
                value: measurement.value,
                measured_on: measurement.measured_on,
                with_evidence: measurement.evidence_url.is_some() || measurement.note.is_some(),
            },
        )
        .await?;
        recorded.push((measurement.id, partner, m));
    }

    set_status(
        conn,
        context,
        progressed_by,
        plan,
        action.id,
        ActionStatus::Completed,
    )
    .await?;

    // As `POST /alliances/{id}/measurements/{measurement_id}/review`.
    for (measurement, recorder, m) in recorded {
        let (reviewer_actor, reviewer) = context.acting_for(m.confirmed_by.0, m.confirmed_by.1)?;
        if reviewer == recorder {
            return Err(ApiError::Internal(
                "a demo measurement is confirmed by the partner that recorded it".into(),
            ));
        }
        can_edit_action(plan.phase)?;
        results::review(
            conn,
            measurement,
            ReviewStatus::Confirmed,
            context.user(m.confirmed_by.0)?,
            reviewer,
            None,
        )
        .await?;
        journal::append(
            conn,
            Some(alliance),
            reviewer_actor,
            &Event::MeasurementReviewed {
                measurement,
                verdict: Verdict::Confirm,
                reason: None,
                recorded_by_partner: recorder,
            },
        )
        .await?;
    }
    Ok(())
}

/// Moves an action to a status as `PATCH /alliances/{id}/actions/{action_id}` does.
async fn set_status(
    conn: &mut AsyncPgConnection,
    context: &PlanContext<'_>,
    actor: Actor,
    plan: &Plan,
    id: ActionId,
    to: ActionStatus,
) -> Result<(), ApiError> {
    let alliance = context.alliance;
    can_edit_action(plan.phase)?;
    let current = plans::lock_action(conn, alliance, id)
        .await?
        .ok_or_else(|| ApiError::not_found("action"))?;
    current.status.transition(to)?;
    let action = plans::update_action(
        conn,
        alliance,
        id,
        ActionChanges {
            status: Some(to),
            ..ActionChanges::default()
        },
        None,
    )
    .await?;
    journal::append(
        conn,
        Some(alliance),
        actor,
        &Event::ActionStatusChanged {
            action: id,
            title: action.title.clone(),
            from: current.status,
            status: action.status,
            vote: None,
        },
    )
    .await?;
    Ok(())
}

/// Plans an event as `POST /alliances/{id}/events` does (the coordinator).
async fn create_event(
    conn: &mut AsyncPgConnection,
    context: &PlanContext<'_>,
    seed: &EventSeed,
    actions: &[Created<'_>],
    year: AcademicYear,
) -> Result<(), ApiError> {
    let alliance = context.alliance;
    let starts_at = year.at(seed.on, seed.starts)?;
    let ends_at = year.at(seed.on, seed.ends)?;
    if ends_at < starts_at {
        return Err(ApiError::Internal(
            "a demo event ends before it starts".into(),
        ));
    }
    let partners = seed
        .partners
        .iter()
        .map(|p| context.partner(p))
        .collect::<Result<Vec<_>, _>>()?;
    let linked = seed
        .actions
        .iter()
        .map(|title| {
            actions
                .iter()
                .find(|a| a.seed.title == *title)
                .map(|a| a.id)
                .ok_or_else(|| {
                    ApiError::Internal(format!("a demo event names an unknown action: {title}"))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let event = events::insert(
        conn,
        alliance,
        NewEvent {
            title: name("title", seed.title)?,
            kind: seed.kind,
            description: description("description", seed.description)?,
            starts_at,
            ends_at: Some(ends_at),
            place: Some(place("place", seed.place)?),
            attendance: seed.attendance,
            partners,
            actions: linked,
            created_by: Some(context.coordinator),
        },
    )
    .await?;
    journal::append(
        conn,
        Some(alliance),
        context.coordinator(),
        &Event::EventCreated {
            event: event.id,
            title: event.title.clone(),
            kind: event.kind,
            starts_at: event.starts_at,
        },
    )
    .await?;
    Ok(())
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
            insee_code: Some(insee_code.clone()),
            department: Some(place("department", seed.department)?),
            region: Some(place("region", seed.region)?),
        },
    )
    .await?;
    journal::append(
        conn,
        None,
        Actor::system(),
        &Event::CityCreated {
            city: city.id,
            name: city.name.clone(),
            insee_code: city.insee_code.clone(),
        },
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

    /// The seat of an account in a partner of an alliance, if any.
    fn seat_of(seed: &AllianceSeed, email: &str, partner: &str) -> Option<Role> {
        seed.seats
            .iter()
            .find(|s| s.email == email && s.partner == partner)
            .map(|s| s.role)
    }

    #[test]
    fn every_plan_is_written_by_people_allowed_to() {
        for seed in ALLIANCES {
            for plan in seed.plans {
                for a in plan.actions {
                    let takes_part = |email: &str, partner: &str| {
                        seat_of(seed, email, partner).is_some_and(Role::takes_part)
                    };
                    let speaks_for = |email: &str, partner: &str| {
                        seat_of(seed, email, partner).is_some_and(Role::speaks_for_partner)
                    };
                    // Proposing, adding indicators and progressing: the proposer's partner.
                    assert!(
                        takes_part(a.proposed_by, a.proposing_partner),
                        "{}",
                        a.title
                    );
                    for (email, partner) in a.endorsements {
                        assert!(speaks_for(email, partner), "{email} endorses {}", a.title);
                    }
                    for (email, _) in a.comments {
                        assert!(
                            seed.seats
                                .iter()
                                .any(|s| s.email == *email && s.role.takes_part()),
                            "{email} comments"
                        );
                    }
                    let mut participants = vec![a.proposing_partner, a.lead_partner];
                    participants.extend(a.contributing_partners);
                    for i in a.indicators {
                        if let Some(m) = &i.measurement {
                            let (recorder, partner) = m.recorded_by;
                            assert!(participants.contains(&partner), "{}", a.title);
                            assert!(takes_part(recorder, partner), "{recorder} records");
                            let (reviewer, other) = m.confirmed_by;
                            assert_ne!(other, partner, "{} is confirmed by itself", a.title);
                            assert!(speaks_for(reviewer, other), "{reviewer} confirms");
                            assert!(!m.note.is_empty(), "a measurement without evidence");
                        }
                    }
                    if let Some(c) = &a.curriculum {
                        let kind = seed
                            .partners
                            .iter()
                            .find(|p| p.name == c.partner)
                            .map(|p| p.kind);
                        assert!(
                            matches!(kind, Some(PartnerKind::University | PartnerKind::School)),
                            "{} is not an establishment",
                            c.partner
                        );
                    }
                }
                for event in plan.events {
                    for title in event.actions {
                        assert!(plan.actions.iter().any(|a| a.title == *title), "{title}");
                    }
                    assert!(event.starts < event.ends, "{}", event.title);
                }
            }
            for partner in plan_partners(seed) {
                assert!(seed.partners.iter().any(|p| p.name == partner), "{partner}");
            }
        }
    }

    #[test]
    fn completed_actions_are_verified_in_adopted_plans() {
        for seed in ALLIANCES {
            let mut years: Vec<Year> = seed.plans.iter().map(|p| p.year).collect();
            years.dedup();
            assert_eq!(years.len(), seed.plans.len(), "one plan per year");
            if !seed.plans.is_empty() {
                // Loading stops at the current year's plan: there must be one.
                assert!(years.contains(&Year::Current));
            }
            for plan in seed.plans {
                for a in plan.actions.iter().filter(|a| a.completed) {
                    assert!(plan.phase >= Phase::Adopted, "{} never adopted", a.title);
                    assert!(!a.indicators.is_empty(), "{}", a.title);
                    assert!(a.indicators.iter().all(|i| i.measurement.is_some()));
                }
                if plan.phase >= Phase::Adopted {
                    // Adopting the plan would adopt the proposals: all were carried out.
                    assert!(plan.actions.iter().all(|a| a.completed));
                }
            }
        }
    }

    #[test]
    fn plan_days_exist_every_year() {
        for first_year in 2020..2040 {
            let year = AcademicYear { first_year };
            for plan in SCEAUX_PLANS {
                for a in plan.actions {
                    if let Some((start, end)) = a.planned {
                        assert!(year.day(start).unwrap() <= year.day(end).unwrap());
                    }
                    for i in a.indicators {
                        if let Some(m) = &i.measurement {
                            year.day(m.measured_on).unwrap();
                        }
                    }
                }
                for e in plan.events {
                    year.at(e.on, e.starts).unwrap();
                    year.at(e.on, e.ends).unwrap();
                }
            }
        }
        let year = AcademicYear::of(d("2026-11-25"));
        assert_eq!(year.day(on(10, 18)).unwrap(), d("2026-10-18"));
        assert_eq!(year.day(on(6, 10)).unwrap(), d("2027-06-10"));
        assert_eq!(year.of_plans().unwrap().to_string(), "2026-2027");
        assert_eq!(
            year.relative(Year::Previous)
                .of_plans()
                .unwrap()
                .to_string(),
            "2025-2026"
        );
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
