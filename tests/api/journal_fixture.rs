//! The journal as a contract: `fixtures/demo_journal.json` holds the demo's chains as
//! the code before typed journal events wrote them (verbs, summaries, hashes). Those
//! chains must keep verifying, and the demo loaded by today's code must write the
//! same entries, ids and dates aside.
//!
//! `AGIR_WRITE_JOURNAL_FIXTURE=1` rewrites the fixture from the code under test: only
//! ever from code whose summaries are the reference, and as a reviewed diff.

use std::collections::HashMap;

use agir_domain::ids::AllianceId;
use agir_domain::journal::{ChainCheck, EntryContent, StoredEntry, canonical_json, verify};
use agir_persistence::AsyncPgConnection;
use agir_persistence::journal::{self, JournalEntry};
use agir_persistence::page::PageRequest;
use agir_tests::TestApp;
use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo_journal.json");

/// A chain as stored: `None` for the platform chain.
struct Chain {
    alliance: Option<Uuid>,
    entries: Vec<StoredEntry>,
}

/// The first calendar year of the academic year of `day` (September to August).
fn academic_year_start(day: NaiveDate) -> i32 {
    if day.month() >= 9 {
        day.year()
    } else {
        day.year() - 1
    }
}

fn stored(entry: &JournalEntry) -> StoredEntry {
    StoredEntry {
        content: EntryContent {
            alliance_id: entry.alliance.map(|a| a.0),
            seq: entry.seq,
            at: entry.at,
            actor_user_id: entry.actor_user.map(|u| u.0),
            actor_partner_id: entry.actor_partner.map(|p| p.0),
            verb: entry.verb.clone(),
            subject_type: entry.subject_type.clone(),
            subject_id: entry.subject_id,
            summary: entry.summary.clone(),
        },
        prev_hash: entry.prev_hash.clone(),
        hash: entry.hash.clone(),
    }
}

async fn read_chain(conn: &mut AsyncPgConnection, alliance: Option<Uuid>) -> Chain {
    let page = journal::list(conn, alliance.map(AllianceId), &PageRequest::first(10_000))
        .await
        .unwrap();
    assert!(page.next_cursor.is_none(), "more than 10,000 entries");
    Chain {
        alliance,
        entries: page.items.iter().map(stored).collect(),
    }
}

/// Every chain of the database: the platform's, then each alliance's in the order
/// the platform chain created them.
async fn chains(app: &TestApp) -> Vec<Chain> {
    let mut conn = app.db.connect().await;
    let platform = read_chain(&mut conn, None).await;
    let alliances: Vec<Uuid> = platform
        .entries
        .iter()
        .filter(|e| e.content.verb == "alliance.created")
        .map(|e| e.content.subject_id.unwrap())
        .collect();
    let mut all = vec![platform];
    for alliance in alliances {
        all.push(read_chain(&mut conn, Some(alliance)).await);
    }
    all
}

fn to_json(chains: &[Chain], captured_on: NaiveDate) -> Value {
    let chains: Vec<Value> = chains
        .iter()
        .map(|chain| {
            let entries: Vec<Value> = chain
                .entries
                .iter()
                .map(|e| {
                    let c = &e.content;
                    json!({
                        "seq": c.seq,
                        "at": c.at.to_rfc3339_opts(SecondsFormat::Micros, true),
                        "actor_user_id": c.actor_user_id,
                        "actor_partner_id": c.actor_partner_id,
                        "verb": c.verb,
                        "subject_type": c.subject_type,
                        "subject_id": c.subject_id,
                        "summary": c.summary,
                        "prev_hash": e.prev_hash,
                        "hash": e.hash,
                    })
                })
                .collect();
            json!({"alliance_id": chain.alliance, "entries": entries})
        })
        .collect();
    json!({"captured_on": captured_on, "chains": chains})
}

fn from_json(fixture: &Value) -> Vec<Chain> {
    let uuid = |v: &Value| v.as_str().map(|s| Uuid::parse_str(s).unwrap());
    let text = |v: &Value| v.as_str().unwrap().to_owned();
    fixture["chains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|chain| {
            let alliance = uuid(&chain["alliance_id"]);
            let entries = chain["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| StoredEntry {
                    content: EntryContent {
                        alliance_id: alliance,
                        seq: e["seq"].as_i64().unwrap(),
                        at: DateTime::parse_from_rfc3339(e["at"].as_str().unwrap())
                            .unwrap()
                            .with_timezone(&Utc),
                        actor_user_id: uuid(&e["actor_user_id"]),
                        actor_partner_id: uuid(&e["actor_partner_id"]),
                        verb: text(&e["verb"]),
                        subject_type: text(&e["subject_type"]),
                        subject_id: uuid(&e["subject_id"]),
                        summary: e["summary"].clone(),
                    },
                    prev_hash: text(&e["prev_hash"]),
                    hash: text(&e["hash"]),
                })
                .collect();
            Chain { alliance, entries }
        })
        .collect()
}

/// What must not change, one line per entry: actor, verb, subject and canonical
/// summary, with ids numbered in order of appearance, dates and times blanked, and
/// academic years counted from the one the journal was written in.
fn normalised(chains: &[Chain], year_start: i32) -> Vec<String> {
    let mut ids: HashMap<Uuid, usize> = HashMap::new();
    let mut out = Vec::new();
    for (n, chain) in chains.iter().enumerate() {
        for e in &chain.entries {
            let c = &e.content;
            let value = json!([
                n,
                c.actor_user_id,
                c.actor_partner_id,
                c.verb,
                c.subject_type,
                c.subject_id,
                c.summary
            ]);
            let text = canonical_json(&normalise(&value, &mut ids, year_start));
            out.push(text);
        }
    }
    out
}

fn normalise(value: &Value, ids: &mut HashMap<Uuid, usize>, year_start: i32) -> Value {
    match value {
        Value::String(s) => {
            if let Ok(id) = Uuid::parse_str(s) {
                let next = ids.len();
                return json!(format!("#{}", ids.entry(id).or_insert(next)));
            }
            if NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() {
                return json!("<date>");
            }
            if DateTime::parse_from_rfc3339(s).is_ok() {
                return json!("<time>");
            }
            let mut s = s.clone();
            for offset in -5..=5 {
                let first = year_start + offset;
                s = s.replace(
                    &format!("{first}-{}", first + 1),
                    &format!("<year{offset:+}>"),
                );
            }
            Value::String(s)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| normalise(v, ids, year_start))
                .collect(),
        ),
        Value::Object(map) => {
            // Keys in canonical order, so that ids are numbered the same way every time.
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = serde_json::Map::new();
            for key in keys {
                out.insert(key.clone(), normalise(&map[key], ids, year_start));
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

#[test]
fn the_demo_journal_written_before_typed_events_still_verifies() {
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    let chains = from_json(&fixture);
    assert!(chains.len() >= 3, "the platform chain and two alliances");
    let mut total = 0;
    for chain in &chains {
        let n = chain.entries.len();
        assert!(n > 0);
        assert_eq!(
            verify(&chain.entries),
            ChainCheck::Intact {
                entries: i64::try_from(n).unwrap()
            },
            "chain of {:?}",
            chain.alliance
        );
        total += n;
    }
    // The fixture is not trivially intact: one changed summary breaks its chain.
    let mut forged = from_json(&fixture).remove(1);
    forged.entries[0].content.summary["forged"] = json!(true);
    assert_eq!(
        verify(&forged.entries),
        ChainCheck::Broken {
            first_broken_seq: 1
        }
    );
    assert_eq!(total, 98, "the fixture's entries");
}

#[actix_web::test]
async fn typed_events_write_the_demo_journal_as_before() {
    let app = TestApp::spawn().await;
    agir_http::demo::load(&app.state).await.unwrap();
    let today = Utc::now().date_naive();
    let written = chains(&app).await;
    for chain in &written {
        let n = i64::try_from(chain.entries.len()).unwrap();
        assert_eq!(verify(&chain.entries), ChainCheck::Intact { entries: n });
    }
    if std::env::var_os("AGIR_WRITE_JOURNAL_FIXTURE").is_some() {
        let text = serde_json::to_string_pretty(&to_json(&written, today)).unwrap();
        std::fs::write(FIXTURE, text + "\n").unwrap();
    }

    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    let captured_on: NaiveDate = serde_json::from_value(fixture["captured_on"].clone()).unwrap();
    let before = normalised(&from_json(&fixture), academic_year_start(captured_on));
    let now = normalised(&written, academic_year_start(today));
    for (i, (was, is)) in before.iter().zip(&now).enumerate() {
        assert_eq!(was, is, "entry {i} of the demo's chains");
    }
    assert_eq!(before.len(), now.len());
}
