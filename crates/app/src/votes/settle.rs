//! Settling: a vote is opened, then closed, when its time comes, under its row lock,
//! whichever request, replica or background task gets there first, once.

use agir_domain::alliance::CharterStatus;
use agir_domain::ids::{ActionId, AllianceId, CharterId, PlanId, UserId, VoteId};
use agir_domain::journal::Event;
use agir_domain::plan::{ActionStatus, Phase};
use agir_domain::vote::{self, Counts, Due, Outcome, Subject, VoteStatus};
use agir_persistence::journal::{self, Actor};
use agir_persistence::plans::{self, ActionChanges};
use agir_persistence::votes::{self, Vote};
use agir_persistence::{AsyncConnection, AsyncPgConnection, charters, idempotency};
use chrono::Utc;

use super::tally;
use crate::error::{AppError, Result};
use crate::plans::apply_phase;

/// Opens or closes a vote when its time has come, in its own transaction, with the
/// vote row locked. Call it outside any transaction.
pub async fn settle(conn: &mut AsyncPgConnection, alliance: AllianceId, id: VoteId) -> Result<()> {
    let now = Utc::now();
    // Most calls find nothing to do (a ballot in an open vote): a plain read says so
    // without queueing on the row lock behind the ballots that hold it shared. When
    // something is due, the lock is taken and the state read again under it.
    match votes::find(conn, alliance, id).await? {
        Some(vote)
            if vote::due(vote.status, vote.opens_at, vote.closes_at, now) != Due::Nothing => {}
        _ => return Ok(()),
    }
    conn.transaction::<_, AppError, _>(async |conn| {
        let Some(vote) = votes::lock(conn, alliance, id).await? else {
            return Ok(());
        };
        match vote::due(vote.status, vote.opens_at, vote.closes_at, now) {
            Due::Nothing => Ok(()),
            Due::Open => open_vote(conn, &vote).await.map(|_| ()),
            Due::Close => {
                let vote = if vote.status == VoteStatus::Scheduled {
                    open_vote(conn, &vote).await?
                } else {
                    vote
                };
                close_vote(conn, &vote, None).await.map(|_| ())
            }
        }
    })
    .await
}

/// Settles every vote of every alliance whose time has come (the binary's scheduler,
/// so that a vote closes at `closes_at` even when nobody reads it). A vote that does
/// not settle is logged and left for the next round; the others go on. Answers how
/// many were due.
pub async fn settle_due(conn: &mut AsyncPgConnection) -> Result<usize> {
    let due = votes::due(conn, Utc::now()).await?;
    for &(alliance, vote) in &due {
        if let Err(err) = settle(conn, alliance, vote).await {
            tracing::warn!(vote.id = %vote, error = %err, "vote not settled");
        }
    }
    Ok(due.len())
}

/// The path a vote's ballots are posted to, as the idempotency keys remember it
/// (canonical: lowercase hyphenated ids). The answers stored under it are forgotten
/// when a secret vote closes: their request hash covers the choice.
pub fn ballots_path(alliance: AllianceId, id: VoteId) -> String {
    format!("/api/v1/alliances/{}/votes/{id}/ballots", alliance.0)
}

/// Opens a locked vote: freezes its electorate, journals it.
pub(super) async fn open_vote(conn: &mut AsyncPgConnection, vote: &Vote) -> Result<Vote> {
    let day = Utc::now().date_naive();
    let electorate = votes::eligible(conn, vote.alliance, vote.rules.electorate, day).await?;
    let opened = votes::open(conn, vote, &electorate).await?;
    journal::append(
        conn,
        Some(vote.alliance),
        Actor::system(),
        &Event::VoteOpened {
            vote: vote.id,
            electorate_size: electorate.len(),
        },
    )
    .await?;
    Ok(opened)
}

/// Closes a locked, open vote: stores its result, applies its effect, journals both.
pub(super) async fn close_vote(
    conn: &mut AsyncPgConnection,
    vote: &Vote,
    by: Option<UserId>,
) -> Result<Vote> {
    let (tally, ballots) = tally::count(conn, vote).await?;
    let document = tally::document(vote, &tally, true, ballots);
    let closed = votes::close(conn, vote.id, by, &document).await?;
    if vote.secret {
        // Now counted, a secret vote's ballots stop pairing voters with choices: who
        // took part and the choices are kept apart, and the stored answers to its
        // ballot requests are forgotten (their request hash covers the choice).
        votes::seal_secret_ballots(conn, vote.id).await?;
        idempotency::forget_path(conn, &ballots_path(vote.alliance, vote.id)).await?;
    }
    let actor = Actor {
        user: by,
        partner: None,
    };
    // Aggregates only: a secret vote's journal entry says nothing of who chose what.
    journal::append(
        conn,
        Some(vote.alliance),
        actor,
        &Event::VoteClosed {
            vote: vote.id,
            outcome: tally.outcome.clone(),
            winner: document.winner.clone(),
            turnout: tally.turnout,
            electorate: tally.electorate,
            quorum_reached: tally.quorum_reached,
            consent: match tally.counts {
                Counts::Consent(c) => Some(c),
                _ => None,
            },
            early: by.is_some(),
        },
    )
    .await?;
    apply_effect(conn, vote, &tally.outcome, actor).await?;
    Ok(closed)
}

/// The decision's effect on its subject, in the closing transaction.
async fn apply_effect(
    conn: &mut AsyncPgConnection,
    vote: &Vote,
    outcome: &Outcome,
    actor: Actor,
) -> Result<()> {
    let Some(subject) = vote.subject_id else {
        return Ok(());
    };
    let alliance = vote.alliance;
    match (vote.rules.subject, outcome) {
        (Subject::PlanAdoption, Outcome::Adopted) => {
            if let Some(plan) = plans::lock_plan(conn, alliance, PlanId(subject)).await?
                && plan.phase == Phase::Voting
            {
                apply_phase(conn, alliance, actor, plan, Phase::Adopted).await?;
            }
        }
        (Subject::ActionAdoption, Outcome::Adopted | Outcome::Rejected) => {
            let to = if *outcome == Outcome::Adopted {
                ActionStatus::Adopted
            } else {
                ActionStatus::Rejected
            };
            if let Some(action) = plans::lock_action(conn, alliance, ActionId(subject)).await?
                && action.status == ActionStatus::Proposed
            {
                plans::update_action(
                    conn,
                    alliance,
                    action.id,
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
                        action: action.id,
                        title: action.title.clone(),
                        from: action.status,
                        status: to,
                        vote: Some(vote.id),
                    },
                )
                .await?;
            }
        }
        (Subject::CharterAdoption, Outcome::Adopted) => {
            if let Some(charter) = charters::lock_by_id(conn, alliance, CharterId(subject)).await?
                && charter.status == CharterStatus::Proposed
            {
                charters::make_current(conn, alliance, CharterId(subject)).await?;
                journal::append(
                    conn,
                    Some(alliance),
                    actor,
                    &Event::CharterAdopted {
                        charter: CharterId(subject),
                        version: charter.version,
                        vote: vote.id,
                    },
                )
                .await?;
            }
        }
        _ => {}
    }
    Ok(())
}
