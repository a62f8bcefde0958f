//! The tamper-evident journal (SPEC §5): every write leaves an entry whose hash
//! covers the previous entry's hash and a canonical encoding of itself, so that
//! changing, removing or reordering any entry breaks the chain from there on.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub mod event;

pub use event::Event;

/// The hash that precedes the first entry of every chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Everything an entry states, in the form that is hashed.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryContent {
    /// `None` for the platform chain.
    pub alliance_id: Option<Uuid>,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<Uuid>,
    pub actor_partner_id: Option<Uuid>,
    pub verb: String,
    pub subject_type: String,
    pub subject_id: Option<Uuid>,
    pub summary: Value,
}

impl EntryContent {
    /// The canonical encoding: a JSON object with sorted keys, times in RFC 3339
    /// with microseconds (what PostgreSQL keeps), no insignificant whitespace.
    pub fn canonical(&self, prev_hash: &str) -> String {
        canonical_json(&json!({
            "alliance_id": self.alliance_id,
            "seq": self.seq,
            "at": self.at.to_rfc3339_opts(SecondsFormat::Micros, true),
            "actor_user_id": self.actor_user_id,
            "actor_partner_id": self.actor_partner_id,
            "verb": self.verb,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "summary": self.summary,
            "prev_hash": prev_hash,
        }))
    }

    /// SHA-256 of the previous hash and the canonical encoding, in lower-case hex.
    pub fn hash(&self, prev_hash: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(prev_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(self.canonical(prev_hash).as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// JSON with object keys sorted at every level and no insignificant whitespace,
/// whatever order the map type keeps (serde_json's `preserve_order` may be on).
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// A stored entry as read back for verification.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEntry {
    pub content: EntryContent,
    pub prev_hash: String,
    pub hash: String,
}

/// The outcome of recomputing a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainCheck {
    Intact {
        entries: i64,
    },
    /// The first sequence number whose entry does not follow from the one before.
    Broken {
        first_broken_seq: i64,
    },
}

/// Incremental verification, so a long chain can be streamed in pages.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
    broken: Option<i64>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
            broken: None,
        }
    }
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next entry in sequence order; once broken, later entries change nothing.
    pub fn push(&mut self, entry: &StoredEntry) {
        if self.broken.is_some() {
            return;
        }
        let seq = entry.content.seq;
        let follows = seq == self.expected_seq
            && entry.prev_hash == self.prev_hash
            && entry.content.hash(&entry.prev_hash) == entry.hash;
        if follows {
            self.expected_seq += 1;
            self.prev_hash.clone_from(&entry.hash);
        } else {
            // A gap means the missing sequence number is the first broken one.
            self.broken = Some(seq.min(self.expected_seq));
        }
    }

    pub fn finish(self) -> ChainCheck {
        match self.broken {
            Some(first_broken_seq) => ChainCheck::Broken { first_broken_seq },
            None => ChainCheck::Intact {
                entries: self.expected_seq - 1,
            },
        }
    }
}

/// Verifies a whole chain given in sequence order.
pub fn verify<'a>(entries: impl IntoIterator<Item = &'a StoredEntry>) -> ChainCheck {
    let mut verifier = ChainVerifier::new();
    for entry in entries {
        verifier.push(entry);
    }
    verifier.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn chain(n: i64) -> Vec<StoredEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let content = EntryContent {
                    alliance_id: Some(Uuid::nil()),
                    seq,
                    at: Utc.with_ymd_and_hms(2026, 9, 1, 12, 0, 0).unwrap(),
                    actor_user_id: None,
                    actor_partner_id: None,
                    verb: "action.proposed".into(),
                    subject_type: "action".into(),
                    subject_id: None,
                    summary: json!({"title": format!("t{seq}"), "b": 1, "a": [1, 2]}),
                };
                let hash = content.hash(&prev);
                let entry = StoredEntry {
                    content,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                entry
            })
            .collect()
    }

    #[test]
    fn an_untouched_chain_is_intact() {
        assert_eq!(verify(&chain(5)), ChainCheck::Intact { entries: 5 });
        assert_eq!(verify(&[]), ChainCheck::Intact { entries: 0 });
    }

    #[test]
    fn a_modified_summary_breaks_the_chain_at_that_entry() {
        let mut entries = chain(5);
        entries[2].content.summary = json!({"title": "forged"});
        assert_eq!(
            verify(&entries),
            ChainCheck::Broken {
                first_broken_seq: 3
            }
        );
    }

    #[test]
    fn a_removed_entry_breaks_the_chain_at_the_gap() {
        let mut entries = chain(5);
        entries.remove(1);
        assert_eq!(
            verify(&entries),
            ChainCheck::Broken {
                first_broken_seq: 2
            }
        );
    }

    #[test]
    fn a_rehashed_entry_still_breaks_its_successor() {
        let mut entries = chain(4);
        entries[1].content.verb = "vote.closed".into();
        entries[1].hash = entries[1].content.hash(&entries[1].prev_hash);
        assert_eq!(
            verify(&entries),
            ChainCheck::Broken {
                first_broken_seq: 3
            }
        );
    }

    #[test]
    fn canonical_encoding_sorts_keys_and_keeps_microseconds() {
        let entry = &chain(1)[0];
        let text = entry.content.canonical(GENESIS_HASH);
        assert!(
            text.starts_with("{\"actor_partner_id\":null,\"actor_user_id\":null,\"alliance_id\"")
        );
        assert!(text.contains("\"at\":\"2026-09-01T12:00:00.000000Z\""));
        assert!(text.contains("\"summary\":{\"a\":[1,2],\"b\":1,\"title\":\"t1\"}"));
    }
}
