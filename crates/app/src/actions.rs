//! Actions of a plan: proposed by members as their partner, with an attribution that
//! never changes; edited and progressed by the partners that lead or proposed them.

use std::collections::HashMap;

use agir_domain::DomainError;
use agir_domain::ids::{ActionId, AllianceId, PartnerId, PlanId, UserId};
use agir_domain::journal::Event;
use agir_domain::plan::{self, ActionStatus, Phase, Proposer, Theme};
use agir_domain::policy::{self, ActionOwners, AllianceCaller};
use agir_domain::vote::Subject;
use agir_persistence::comments::{self, Endorsement};
use agir_persistence::page::{Page, PageRequest, TimeKey};
use agir_persistence::plans::{
    self, Action, ActionChanges, ActionFilter, Curriculum, NewAction, Plan,
};
use agir_persistence::results;
use agir_persistence::{AsyncConnection, AsyncPgConnection};
use chrono::NaiveDate;
use uuid::Uuid;

use crate::error::{AppError, Result, single};
use crate::partners::check_usable;
use crate::plans::{refuse_while_voted, visible_plan};
use crate::{Expected, Patch, Scope};

/// An action the caller may see (its plan is public, or the caller a member), with its
/// plan.
pub async fn visible_action(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: ActionId,
) -> Result<(Action, Plan)> {
    let action = plans::find_action(conn, scope.id(), id)
        .await?
        .ok_or(AppError::NotFound("action"))?;
    let plan = visible_plan(conn, scope, action.plan).await?;
    Ok((action, plan))
}

/// An action as the API shows it: with its verification and its endorsements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionView {
    pub action: Action,
    /// Who proposed it, when the reader may know: `None` for readers who are neither
    /// members of the alliance nor admins (the public sees the partner, not a person).
    pub proposed_by: Option<UserId>,
    /// Every indicator has a measurement with evidence confirmed by another partner.
    pub verified: bool,
    pub endorsements: Vec<Endorsement>,
}

impl ActionView {
    /// The action as `caller` may see it: user ids only for members and admins
    /// (`policy::read_private`).
    fn seen_by(mut self, caller: &AllianceCaller) -> Self {
        if policy::read_private(caller).is_err() {
            self.proposed_by = None;
        }
        self
    }
}

/// Actions with their verification and endorsements, in two queries for the lot.
async fn views(conn: &mut AsyncPgConnection, actions: Vec<Action>) -> Result<Vec<ActionView>> {
    let ids: Vec<ActionId> = actions.iter().map(|a| a.id).collect();
    let verified = results::verification(conn, &ids).await?;
    let mut endorsements: HashMap<ActionId, Vec<Endorsement>> = HashMap::new();
    for (action, e) in comments::endorsements_of(conn, &ids).await? {
        endorsements.entry(action).or_default().push(e);
    }
    Ok(actions
        .into_iter()
        .map(|action| ActionView {
            proposed_by: Some(action.proposed_by),
            verified: verified.get(&action.id).copied().unwrap_or(false),
            endorsements: endorsements.remove(&action.id).unwrap_or_default(),
            action,
        })
        .collect())
}

/// One action with its verification and endorsements.
async fn view(conn: &mut AsyncPgConnection, action: Action) -> Result<ActionView> {
    single(views(conn, vec![action]).await?, "action view")
}

/// A plan's actions, as the caller may see them.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    plan: PlanId,
    filter: &ActionFilter,
    page: &PageRequest<TimeKey>,
) -> Result<Page<ActionView>> {
    let plan = visible_plan(conn, scope, plan).await?;
    let found = plans::list_actions(conn, plan.id, filter, page).await?;
    let items = views(conn, found.items).await?;
    Ok(Page {
        items: items
            .into_iter()
            .map(|a| a.seen_by(&scope.caller))
            .collect(),
        next_cursor: found.next_cursor,
    })
}

/// An action, as the caller may see it (public when its plan is adopted).
pub async fn get(conn: &mut AsyncPgConnection, scope: &Scope, id: ActionId) -> Result<ActionView> {
    let (action, _) = visible_action(conn, scope, id).await?;
    Ok(view(conn, action).await?.seen_by(&scope.caller))
}

/// A proposal, as read from the request (its partner apart: see [`propose`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub title: String,
    pub description: String,
    pub theme: Theme,
    pub sdgs: Vec<i16>,
    /// Default: the proposing partner.
    pub lead_partner: Option<PartnerId>,
    pub contributing_partners: Vec<PartnerId>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub curriculum: Option<Curriculum>,
}

/// Proposes an action for the partner `proposing` names, or the one the caller takes
/// part for (`policy::acting_partner`). Open in `draft` and `consultation`; the
/// coordinator may still add to an adopted plan, the action then adopted at once. Not
/// while the plan's adoption vote is open (409 `vote_open`). `input` is refused only
/// once the caller may propose.
pub async fn propose(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    plan_id: PlanId,
    proposing: Option<PartnerId>,
    input: std::result::Result<Proposal, DomainError>,
) -> Result<ActionView> {
    let proposing = policy::acting_partner(&scope.caller, proposing, "proposing_partner_id")?;
    policy::propose_action(&scope.caller, proposing)?;
    let proposal = input?;
    let lead = proposal.lead_partner.unwrap_or(proposing);
    let alliance = scope.id();
    let actor = scope.actor_for(proposing);
    let Some(user) = scope.caller.user() else {
        return Err(policy::Denied::Anonymous.into());
    };
    let proposer = if policy::decide_proposal(&scope.caller).is_ok() {
        Proposer::Coordinator
    } else {
        Proposer::Member
    };
    conn.transaction::<_, AppError, _>(async |conn| {
        let plan = crate::plans::lock(conn, alliance, plan_id).await?;
        plan::can_add_action(plan.phase, proposer)?;
        refuse_while_voted(conn, alliance, &[(Subject::PlanAdoption, plan_id.0)]).await?;
        check_usable(conn, alliance, proposing, "proposing_partner_id").await?;
        check_partners(conn, alliance, &[lead], "lead_partner_id").await?;
        let contributing = &proposal.contributing_partners;
        check_partners(conn, alliance, contributing, "contributing_partner_ids").await?;
        if let Some(c) = &proposal.curriculum {
            check_partners(conn, alliance, &[c.partner], "curriculum.partner_id").await?;
        }
        let status = if plan.phase == Phase::Adopted {
            ActionStatus::Adopted
        } else {
            ActionStatus::Proposed
        };
        let action = plans::insert_action(
            conn,
            NewAction {
                id: ActionId::new(),
                alliance,
                plan: plan.id,
                title: proposal.title,
                description: proposal.description,
                theme: proposal.theme,
                sdgs: proposal.sdgs,
                proposed_by: user,
                proposing_partner: proposing,
                lead_partner: lead,
                contributing_partners: proposal.contributing_partners,
                planned_start: proposal.planned_start,
                planned_end: proposal.planned_end,
                status,
                curriculum: proposal.curriculum,
                carried_over_from: None,
            },
        )
        .await?;
        agir_persistence::journal::append(
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
        view(conn, action).await
    })
    .await
}

/// Changes to an action: its columns, and its contributing partners when given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionEdit {
    pub changes: ActionChanges,
    pub contributing_partners: Option<Vec<PartnerId>>,
}

impl ActionEdit {
    /// Changes the text members vote on (anything but the status).
    fn changes_text(&self) -> bool {
        ActionChanges {
            status: None,
            ..self.changes.clone()
        } != ActionChanges::default()
            || self.contributing_partners.is_some()
    }
}

/// Changes or progresses an action (the partner that leads or proposed it, or the
/// coordinator; adopting or rejecting a proposal is the coordinator's). While a vote on
/// the action, or on its plan, is open, its text cannot change (409 `vote_open`); while
/// the action's own adoption vote is open, neither can its status. An empty edit
/// writes nothing.
pub async fn update(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: ActionId,
    edit: ActionEdit,
    expected: &(impl Expected<ActionView> + Sync),
) -> Result<ActionView> {
    let alliance = scope.id();
    let patch = Patch::by(scope, "action", expected).unchanged_when(edit == ActionEdit::default());
    conn.transaction::<_, AppError, _>(async |conn| {
        // The plan first (shared), then the action: a vote on either cannot open
        // while this edit checks for one (the vote's creation locks its subject).
        plans::share_plan_of_action(conn, alliance, id).await?;
        let row = plans::lock_action(conn, alliance, id).await?;
        patch
            .apply(
                conn,
                row,
                async |conn, current: &Action| {
                    let plan = visible_plan(conn, scope, current.plan).await?;
                    policy::edit_action(
                        &scope.caller,
                        ActionOwners {
                            proposing: current.proposing_partner,
                            lead: current.lead_partner,
                        },
                    )?;
                    Ok(plan)
                },
                async |conn, action| view(conn, action.clone()).await,
                async |conn, current, plan| {
                    check_edit(conn, scope, &current, &plan, &edit).await?;
                    let ActionEdit {
                        changes,
                        contributing_partners,
                    } = edit;
                    let action =
                        plans::update_action(conn, alliance, id, changes, contributing_partners)
                            .await?;
                    let (title, from, status) =
                        (action.title.clone(), current.status, action.status);
                    let event = if status == from {
                        Event::ActionUpdated {
                            action: id,
                            title,
                            from,
                            status,
                        }
                    } else {
                        Event::ActionStatusChanged {
                            action: id,
                            title,
                            from,
                            status,
                            vote: None,
                        }
                    };
                    Ok((action, event))
                },
            )
            .await
    })
    .await
}

/// The rules of an edit of `current`, in the order their refusals win.
async fn check_edit(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    current: &Action,
    plan: &Plan,
    edit: &ActionEdit,
) -> Result<()> {
    let alliance = scope.id();
    let changes = &edit.changes;
    plan::can_edit_action(plan.phase)?;
    // Members vote on the action, and on a plan with its actions, as they read: no
    // change to the text while such a vote is open; no status change either while the
    // action's own vote is open (it decides that).
    let voted: &[(Subject, Uuid)] = if edit.changes_text() {
        &[
            (Subject::ActionAdoption, current.id.0),
            (Subject::PlanAdoption, current.plan.0),
        ]
    } else {
        &[(Subject::ActionAdoption, current.id.0)]
    };
    refuse_while_voted(conn, alliance, voted).await?;
    if let Some(to) = changes.status {
        current.status.transition(to)?;
        if current.status.is_decision(to) {
            policy::decide_proposal(&scope.caller)?;
        }
    }
    if let Some(lead) = changes.lead_partner {
        check_usable(conn, alliance, lead, "lead_partner_id").await?;
    }
    if let Some(partners) = &edit.contributing_partners {
        check_partners(conn, alliance, partners, "contributing_partner_ids").await?;
    }
    if let Some(Some(link)) = &changes.curriculum {
        check_partners(conn, alliance, &[link.partner], "curriculum.partner_id").await?;
    }
    Ok(plan::planned_dates(
        changes.planned_start.unwrap_or(current.planned_start),
        changes.planned_end.unwrap_or(current.planned_end),
    )?)
}

/// Checks that every partner named in `field` of an input is an active partner of this
/// alliance (422 naming `field` otherwise; other errors go up as they are).
async fn check_partners(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    partners: &[PartnerId],
    field: &str,
) -> Result<()> {
    for partner in partners {
        check_usable(conn, alliance, *partner, field).await?;
    }
    Ok(())
}
