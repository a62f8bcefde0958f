//! Counting a vote's ballots, and the results document of a count.

use std::collections::BTreeMap;

use agir_domain::alliance::College;
use agir_domain::vote::{self, Ballot, Choice, Counts, Outcome, Rules, Tally};
use agir_persistence::AsyncPgConnection;
use agir_persistence::votes::{
    self, StoredBallotView, StoredCollegeResult, StoredConsentCounts, StoredOptionResult,
    StoredResults, Vote,
};
use serde_json::Value;

use crate::error::{AppError, Result};

/// Counts a vote's ballots as they stand, with who chose what unless the vote is
/// secret.
pub(super) async fn count(
    conn: &mut AsyncPgConnection,
    vote: &Vote,
) -> Result<(Tally, Option<Vec<StoredBallotView>>)> {
    let electorate = votes::electorate(conn, vote.id).await?;
    let stored = votes::ballots(conn, vote.id).await?;
    // Every stored ballot counts, or the count fails (500, logged, nothing stored): a
    // ballot left out silently would change the result unseen. The error names the
    // vote, never the voter (a secret vote's choice may show in the message).
    let unreadable = |what: String| {
        AppError::Internal(format!(
            "vote {}: a stored ballot does not read: {what}",
            vote.id
        ))
    };
    let ballots: Vec<Ballot> = stored
        .iter()
        .map(|b| {
            Ok(Ballot {
                college: b
                    .college
                    .as_deref()
                    .map(|c| College::parse("college", c))
                    .transpose()
                    .map_err(|e| unreadable(format!("its voter's college: {e}")))?,
                choice: stored_choice(&vote.rules, &b.choice).map_err(unreadable)?,
            })
        })
        .collect::<Result<_>>()?;
    let tally = vote::tally(&vote.rules, electorate.len(), &ballots);
    let views = (!vote.secret).then(|| {
        stored
            .iter()
            .map(|b| StoredBallotView {
                voter_id: b.voter,
                choice: b.choice.clone(),
            })
            .collect()
    });
    Ok((tally, views))
}

/// A stored ballot as the tally reads it (re-checked against the rules). A ballot that
/// does not read is an internal error, never left out of the count.
fn stored_choice(rules: &Rules, choice: &Value) -> Result<Choice, String> {
    let object = choice.as_object().ok_or("not a JSON object")?;
    if let Some(unknown) = object
        .keys()
        .find(|k| !matches!(k.as_str(), "choice" | "options" | "grades"))
    {
        return Err(format!("unknown field `{unknown}`"));
    }
    let text = match object.get("choice") {
        None => None,
        Some(c) => Some(c.as_str().ok_or("`choice` is not a string")?),
    };
    let options: Option<Vec<String>> = object
        .get("options")
        .map(|o| serde_json::from_value(o.clone()))
        .transpose()
        .map_err(|e| format!("`options`: {e}"))?;
    let grades: Option<BTreeMap<String, String>> = object
        .get("grades")
        .map(|g| serde_json::from_value(g.clone()))
        .transpose()
        .map_err(|e| format!("`grades`: {e}"))?;
    rules
        .ballot(text, options.as_deref(), grades.as_ref())
        .map_err(|e| e.to_string())
}

/// The results document of a tally: what is stored when the vote closes, and the live
/// results while it is open. Which college counts a secret vote hides is the domain's
/// rule (`Tally::college_results`).
pub(super) fn document(
    vote: &Vote,
    tally: &Tally,
    final_: bool,
    ballots: Option<Vec<StoredBallotView>>,
) -> StoredResults {
    let (consent, options) = match &tally.counts {
        Counts::Consent(c) => (
            Some(StoredConsentCounts {
                for_: c.for_,
                against: c.against,
                abstain: c.abstain,
            }),
            None,
        ),
        Counts::PerOption(per) => (
            None,
            Some(
                vote.rules
                    .options
                    .iter()
                    .zip(per)
                    .map(|(option, count)| StoredOptionResult {
                        option: option.clone(),
                        count: Some(*count),
                        grades: None,
                        majority_grade: None,
                    })
                    .collect(),
            ),
        ),
        Counts::Grades(per) => (
            None,
            Some(
                vote.rules
                    .options
                    .iter()
                    .zip(per)
                    .map(|(option, (grades, majority))| StoredOptionResult {
                        option: option.clone(),
                        count: None,
                        grades: Some(
                            grades
                                .iter()
                                .map(|(g, n)| (g.as_str().to_owned(), *n))
                                .collect(),
                        ),
                        majority_grade: majority.map(|g| g.as_str().to_owned()),
                    })
                    .collect(),
            ),
        ),
    };
    let turnout_percent = if tally.electorate == 0 {
        0.0
    } else {
        ((tally.turnout as f64) * 1000.0 / (tally.electorate as f64)).round() / 10.0
    };
    StoredResults {
        vote_id: vote.id.0,
        final_,
        electorate: tally.electorate,
        turnout: tally.turnout,
        turnout_percent,
        quorum_percent: vote.rules.quorum_percent,
        quorum_reached: tally.quorum_reached,
        consent,
        colleges: vote.rules.by_college.then(|| {
            tally
                .college_results(&vote.rules, vote.secret)
                .into_iter()
                .map(|(college, c)| {
                    (
                        college.as_str().to_owned(),
                        StoredCollegeResult {
                            for_: c.counts.map(|c| c.for_),
                            against: c.counts.map(|c| c.against),
                            abstain: c.counts.map(|c| c.abstain),
                            threshold_met: Some(c.threshold_met),
                        },
                    )
                })
                .collect()
        }),
        options,
        outcome: tally.outcome.as_str().to_owned(),
        winner: match tally.outcome {
            Outcome::Winner(i) => vote.rules.options.get(i).cloned(),
            _ => None,
        },
        ballots,
    }
}
