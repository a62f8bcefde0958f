//! Path parameters, each named and described once.
//!
//! A handler takes `web::Path<ActionPath>` and reads `path.action_id`; its
//! `#[utoipa::path]` lists `params(ActionPath)`, which documents every segment of the
//! path in order (the alliance `id` of the enclosing scope first). Operations that read
//! the alliance through [`crate::scope::InAlliance`] only list `params(AlliancePath)`.

use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// `/alliances/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AlliancePath {
    /// Alliance id
    pub id: Uuid,
}

/// `/alliances/{id}/plans/{plan_id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PlanPath {
    /// Alliance id
    pub id: Uuid,
    /// Plan id
    pub plan_id: Uuid,
}

/// `/alliances/{id}/plans/{plan_id}/carry-over`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CarryOverPath {
    /// Alliance id
    pub id: Uuid,
    /// The plan to carry over from
    pub plan_id: Uuid,
}

/// `/alliances/{id}/actions/{action_id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ActionPath {
    /// Alliance id
    pub id: Uuid,
    /// Action id
    pub action_id: Uuid,
}

/// `/alliances/{id}/actions/{action_id}/comments/{comment_id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CommentPath {
    /// Alliance id
    pub id: Uuid,
    /// Action id
    pub action_id: Uuid,
    /// Comment id
    pub comment_id: Uuid,
}

/// `/alliances/{id}/indicators/{indicator_id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IndicatorPath {
    /// Alliance id
    pub id: Uuid,
    /// Indicator id
    pub indicator_id: Uuid,
}

/// `/alliances/{id}/measurements/{measurement_id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MeasurementPath {
    /// Alliance id
    pub id: Uuid,
    /// Measurement id
    pub measurement_id: Uuid,
}

/// `/alliances/{id}/charters/{version}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CharterPath {
    /// Alliance id
    pub id: Uuid,
    /// Charter version
    pub version: i32,
}

/// `/alliances/{id}/events/{event_id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EventPath {
    /// Alliance id
    pub id: Uuid,
    /// Event id
    pub event_id: Uuid,
}

/// `/alliances/{id}/invitations/{invitation_id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct InvitationPath {
    /// Alliance id
    pub id: Uuid,
    /// Invitation id
    pub invitation_id: Uuid,
}

/// `/alliances/{id}/labels/{label_id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct LabelPath {
    /// Alliance id
    pub id: Uuid,
    /// Label id
    pub label_id: Uuid,
}

/// `/alliances/{id}/mandates/{mandate_id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MandatePath {
    /// Alliance id
    pub id: Uuid,
    /// Mandate id
    pub mandate_id: Uuid,
}

/// `/alliances/{id}/mandates/{mandate_id}/successor`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SuccessorPath {
    /// Alliance id
    pub id: Uuid,
    /// The mandate to take over
    pub mandate_id: Uuid,
}

/// `/alliances/{id}/partners/{partner_id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PartnerPath {
    /// Alliance id
    pub id: Uuid,
    /// Partner id
    pub partner_id: Uuid,
}

/// `/alliances/{id}/votes/{vote_id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct VotePath {
    /// Alliance id
    pub id: Uuid,
    /// Vote id
    pub vote_id: Uuid,
}

/// `/cities/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CityPath {
    /// City id
    pub id: Uuid,
}

/// `/users/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// Account id
    pub id: Uuid,
}
