//! Votes (SPEC §4): rules fixed at opening, ballots, and the tally as pure functions.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use crate::alliance::{College, text_enum};
use crate::error::DomainError;

text_enum!(
    /// What a vote decides.
    Subject {
        PlanAdoption => "plan_adoption",
        ActionAdoption => "action_adoption",
        CharterAdoption => "charter_adoption",
        Question => "question",
    }
);

text_enum!(
    /// How ballots are cast and counted.
    Method {
        Consent => "consent",
        SingleChoice => "single_choice",
        Approval => "approval",
        MajorityJudgment => "majority_judgment",
    }
);

text_enum!(
    /// Who votes: one ballot per partner, or one per person.
    Electorate { Partners => "partners", Members => "members" }
);

text_enum!(
    /// What a `consent` vote needs to pass.
    Threshold { Simple => "simple", TwoThirds => "two_thirds", Unanimity => "unanimity" }
);

text_enum!(
    /// When results can be read.
    ResultsVisibility { Live => "live", AfterClose => "after_close" }
);

/// When a vote's results are shown, given whether it is secret (SPEC §4): `live` counts
/// beside a growing list of participants would reveal each choice, so a secret vote
/// shows its results after the close only. `results` left out means `after_close` for
/// a secret vote and `live` otherwise; `secret` with `live` is refused, naming `results`.
pub fn results_visibility(
    secret: bool,
    results: Option<ResultsVisibility>,
) -> Result<ResultsVisibility, DomainError> {
    match (secret, results) {
        (true, Some(ResultsVisibility::Live)) => Err(DomainError::invalid(
            "results",
            "not_allowed",
            "a secret vote shows its results after the close only: use `after_close`",
        )),
        (true, _) => Ok(ResultsVisibility::AfterClose),
        (false, results) => Ok(results.unwrap_or(ResultsVisibility::Live)),
    }
}

/// Whether counts are shown while the vote is open. Never for a secret vote, even one
/// stored as `live` before that combination was refused.
pub fn shows_live_results(secret: bool, results: ResultsVisibility) -> bool {
    !secret && results == ResultsVisibility::Live
}

/// A secret `by_college` result shows a college's counts only where it cast at least
/// this many ballots.
pub const SECRET_COLLEGE_MIN_BALLOTS: usize = 3;

text_enum!(
    /// A consent ballot.
    Consent { For => "for", Against => "against", Abstain => "abstain" }
);

text_enum!(
    /// Majority-judgment grades, from best to worst.
    Grade {
        Excellent => "excellent",
        VeryGood => "very_good",
        Good => "good",
        Fair => "fair",
        Passable => "passable",
        Insufficient => "insufficient",
        Reject => "reject",
    }
);

impl Grade {
    /// Higher is better.
    fn rank(self) -> u8 {
        match self {
            Grade::Excellent => 6,
            Grade::VeryGood => 5,
            Grade::Good => 4,
            Grade::Fair => 3,
            Grade::Passable => 2,
            Grade::Insufficient => 1,
            Grade::Reject => 0,
        }
    }
}

text_enum!(
    /// Where a vote stands: `scheduled` until `opens_at`, `open` until `closes_at` or an
    /// early close, then `closed`.
    VoteStatus { Scheduled => "scheduled", Open => "open", Closed => "closed" }
);

/// What the clock asks of a stored vote: open it, close it, or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Nothing,
    Open,
    /// Past `closes_at`: close it (opening it first if it never opened).
    Close,
}

pub fn due(
    status: VoteStatus,
    opens_at: chrono::DateTime<chrono::Utc>,
    closes_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Due {
    match status {
        VoteStatus::Closed => Due::Nothing,
        _ if now >= closes_at => Due::Close,
        VoteStatus::Scheduled if now >= opens_at => Due::Open,
        _ => Due::Nothing,
    }
}

/// A vote's rules, validated together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub subject: Subject,
    pub method: Method,
    /// The options of `single_choice`, `approval` and `majority_judgment` votes.
    pub options: Vec<String>,
    pub electorate: Electorate,
    pub quorum_percent: u8,
    /// Only for `consent`.
    pub threshold: Option<Threshold>,
    /// Only for `consent` votes of the `partners` electorate.
    pub by_college: bool,
}

impl Rules {
    pub fn new(
        subject: Subject,
        method: Method,
        options: Vec<String>,
        electorate: Electorate,
        quorum_percent: i64,
        threshold: Option<Threshold>,
        by_college: bool,
    ) -> Result<Self, DomainError> {
        let mut errors = Vec::new();
        let invalid = |field: &str, code: &'static str, message: &str| {
            crate::FieldError::new(field, code, message)
        };
        if subject != Subject::Question && method != Method::Consent {
            errors.push(invalid(
                "method",
                "not_allowed",
                "a vote on a plan, an action or a charter uses the consent method",
            ));
        }
        let quorum = u8::try_from(quorum_percent).ok().filter(|q| *q <= 100);
        if quorum.is_none() {
            errors.push(invalid(
                "quorum_percent",
                "out_of_range",
                "must be between 0 and 100",
            ));
        }
        let options = if method == Method::Consent {
            if !options.is_empty() {
                errors.push(invalid(
                    "options",
                    "not_allowed",
                    "a consent vote has no options: its choices are for, against, abstain",
                ));
            }
            Vec::new()
        } else {
            let trimmed: Vec<String> = options.iter().map(|o| o.trim().to_owned()).collect();
            let distinct: BTreeSet<&String> = trimmed.iter().collect();
            if trimmed.len() < 2 || trimmed.len() > 20 {
                errors.push(invalid("options", "out_of_range", "give 2 to 20 options"));
            } else if distinct.len() != trimmed.len()
                || trimmed
                    .iter()
                    .any(|o| o.is_empty() || o.chars().count() > 200)
            {
                errors.push(invalid(
                    "options",
                    "invalid_value",
                    "options must be distinct, non-empty and at most 200 characters",
                ));
            }
            trimmed
        };
        let threshold = match (method, threshold) {
            (Method::Consent, t) => Some(t.unwrap_or(Threshold::Simple)),
            (_, Some(_)) => {
                errors.push(invalid(
                    "threshold",
                    "not_allowed",
                    "only consent votes have a threshold",
                ));
                None
            }
            (_, None) => None,
        };
        if by_college && (method != Method::Consent || electorate != Electorate::Partners) {
            errors.push(invalid(
                "by_college",
                "not_allowed",
                "only consent votes of the partners electorate count by college",
            ));
        }
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        Ok(Self {
            subject,
            method,
            options,
            electorate,
            quorum_percent: quorum.unwrap_or(0),
            threshold,
            by_college,
        })
    }

    /// Checks a ballot against the method and options.
    pub fn ballot(
        &self,
        choice: Option<&str>,
        options: Option<&[String]>,
        grades: Option<&BTreeMap<String, String>>,
    ) -> Result<Choice, DomainError> {
        let unexpected = |field: &str| {
            DomainError::invalid(
                field,
                "not_allowed",
                format!("a {} vote does not take `{field}`", self.method),
            )
        };
        match self.method {
            Method::Consent => {
                if options.is_some() {
                    return Err(unexpected("options"));
                }
                if grades.is_some() {
                    return Err(unexpected("grades"));
                }
                let raw = choice.ok_or_else(|| {
                    DomainError::invalid("choice", "required", "for, against or abstain")
                })?;
                Ok(Choice::Consent(Consent::parse("choice", raw)?))
            }
            Method::SingleChoice => {
                if options.is_some() {
                    return Err(unexpected("options"));
                }
                if grades.is_some() {
                    return Err(unexpected("grades"));
                }
                let raw = choice.ok_or_else(|| {
                    DomainError::invalid("choice", "required", "one of the options")
                })?;
                Ok(Choice::Single(self.option_index("choice", raw)?))
            }
            Method::Approval => {
                if choice.is_some() {
                    return Err(unexpected("choice"));
                }
                if grades.is_some() {
                    return Err(unexpected("grades"));
                }
                let raw = options.ok_or_else(|| {
                    DomainError::invalid(
                        "options",
                        "required",
                        "the options you approve (possibly none)",
                    )
                })?;
                let mut approved = BTreeSet::new();
                for option in raw {
                    approved.insert(self.option_index("options", option)?);
                }
                Ok(Choice::Approval(approved.into_iter().collect()))
            }
            Method::MajorityJudgment => {
                if choice.is_some() {
                    return Err(unexpected("choice"));
                }
                if options.is_some() {
                    return Err(unexpected("options"));
                }
                let raw = grades.ok_or_else(|| {
                    DomainError::invalid("grades", "required", "a grade for every option")
                })?;
                let mut given = vec![None; self.options.len()];
                for (option, grade) in raw {
                    let i = self.option_index("grades", option)?;
                    given[i] = Some(Grade::parse(&format!("grades.{option}"), grade)?);
                }
                let all: Option<Vec<Grade>> = given.into_iter().collect();
                all.map(Choice::Grades).ok_or_else(|| {
                    DomainError::invalid("grades", "incomplete", "grade every option")
                })
            }
        }
    }

    fn option_index(&self, field: &str, raw: &str) -> Result<usize, DomainError> {
        self.options
            .iter()
            .position(|o| o == raw.trim())
            .ok_or_else(|| {
                DomainError::invalid(
                    field,
                    "unknown_option",
                    format!("`{raw}` is not an option of this vote"),
                )
            })
    }
}

/// A checked ballot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Consent(Consent),
    /// The chosen option's index.
    Single(usize),
    /// Indexes of the approved options, sorted, distinct.
    Approval(Vec<usize>),
    /// One grade per option, in option order.
    Grades(Vec<Grade>),
}

/// A ballot as counted: its choice and, for partners, their college.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    pub college: Option<College>,
    pub choice: Choice,
}

/// How a vote ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Adopted,
    Rejected,
    NoQuorum,
    Tie,
    /// The winning option's index.
    Winner(usize),
}

impl Outcome {
    /// How results and the journal spell it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Adopted => "adopted",
            Self::Rejected => "rejected",
            Self::NoQuorum => "no_quorum",
            Self::Tie => "tie",
            Self::Winner(_) => "winner",
        }
    }
}

/// Consent counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsentCounts {
    pub for_: usize,
    pub against: usize,
    pub abstain: usize,
}

impl ConsentCounts {
    fn add(&mut self, c: Consent) {
        match c {
            Consent::For => self.for_ += 1,
            Consent::Against => self.against += 1,
            Consent::Abstain => self.abstain += 1,
        }
    }

    /// How many ballots these counts hold.
    pub fn ballots(&self) -> usize {
        self.for_ + self.against + self.abstain
    }

    /// Whether a college with these counts lets the vote pass under `by_college`: the
    /// threshold holds there, or nobody there voted for or against (a college that only
    /// abstained blocks nothing).
    pub fn college_agrees(&self, threshold: Threshold) -> bool {
        self.for_ + self.against == 0 || self.passes(threshold)
    }

    /// Whether the threshold holds on these counts (abstentions do not count).
    pub fn passes(&self, threshold: Threshold) -> bool {
        match threshold {
            Threshold::Simple => self.for_ > self.against,
            Threshold::TwoThirds => {
                self.for_ + self.against > 0 && 3 * self.for_ >= 2 * (self.for_ + self.against)
            }
            Threshold::Unanimity => self.against == 0 && self.for_ >= 1,
        }
    }
}

/// Per-option results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Counts {
    Consent(ConsentCounts),
    /// Votes (single choice) or approvals, per option.
    PerOption(Vec<usize>),
    /// Per option: how many of each grade (best first) and its majority grade.
    Grades(Vec<(BTreeMap<Grade, usize>, Option<Grade>)>),
}

/// The result of a vote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub electorate: usize,
    pub turnout: usize,
    pub quorum_reached: bool,
    pub counts: Counts,
    /// For `by_college` votes: each college's counts.
    pub colleges: BTreeMap<College, ConsentCounts>,
    pub outcome: Outcome,
}

/// What a result shows of one college of a `by_college` vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollegeResult {
    /// The college's counts; `None` where a secret vote hides them.
    pub counts: Option<ConsentCounts>,
    /// Whether the college let the vote pass ([`ConsentCounts::college_agrees`]).
    pub threshold_met: bool,
}

impl Tally {
    /// Each college's part of the result. A vote that is not secret shows every
    /// college's counts. A secret vote shows a college's counts only where it cast at
    /// least [`SECRET_COLLEGE_MIN_BALLOTS`] ballots, and for the others only whether the
    /// threshold held. As the overall counts are shown, the hidden colleges' combined
    /// counts are the overall counts minus the shown ones: when the hidden colleges
    /// together cast fewer than the minimum (one small college beside large ones), the
    /// smallest shown college is hidden too, so that no subtraction singles out fewer
    /// ballots than the minimum.
    pub fn college_results(&self, rules: &Rules, secret: bool) -> BTreeMap<College, CollegeResult> {
        let threshold = rules.threshold.unwrap_or(Threshold::Simple);
        let mut hidden: BTreeSet<College> = if secret {
            self.colleges
                .iter()
                .filter(|(_, c)| c.ballots() < SECRET_COLLEGE_MIN_BALLOTS)
                .map(|(college, _)| *college)
                .collect()
        } else {
            BTreeSet::new()
        };
        let hidden_ballots: usize = hidden.iter().map(|c| self.colleges[c].ballots()).sum();
        if !hidden.is_empty() && hidden_ballots < SECRET_COLLEGE_MIN_BALLOTS {
            let smallest_shown = self
                .colleges
                .iter()
                .filter(|(college, _)| !hidden.contains(college))
                .min_by_key(|(college, c)| (c.ballots(), **college))
                .map(|(college, _)| *college);
            hidden.extend(smallest_shown);
        }
        self.colleges
            .iter()
            .map(|(college, counts)| {
                (
                    *college,
                    CollegeResult {
                        counts: (!hidden.contains(college)).then_some(*counts),
                        threshold_met: counts.college_agrees(threshold),
                    },
                )
            })
            .collect()
    }
}

/// Quorum: the share of the electorate that cast a ballot, exactly at the quorum included.
pub fn quorum_reached(electorate: usize, turnout: usize, quorum_percent: u8) -> bool {
    quorum_percent == 0
        || (electorate > 0 && turnout * 100 >= usize::from(quorum_percent) * electorate)
}

/// Counts the ballots under the rules. The order of ballots never matters.
pub fn tally(rules: &Rules, electorate: usize, ballots: &[Ballot]) -> Tally {
    let turnout = ballots.len();
    let quorum = quorum_reached(electorate, turnout, rules.quorum_percent);
    let mut colleges = BTreeMap::new();
    let (counts, decided) = match rules.method {
        Method::Consent => {
            let mut all = ConsentCounts::default();
            for ballot in ballots {
                if let Choice::Consent(c) = ballot.choice {
                    all.add(c);
                    if rules.by_college
                        && let Some(college) = ballot.college
                    {
                        colleges
                            .entry(college)
                            .or_insert_with(ConsentCounts::default)
                            .add(c);
                    }
                }
            }
            let threshold = rules.threshold.unwrap_or(Threshold::Simple);
            // No college is outvoted: the threshold holds in every college where
            // someone voted for or against.
            let colleges_agree = colleges
                .values()
                .all(|c: &ConsentCounts| c.college_agrees(threshold));
            let adopted = all.passes(threshold) && (!rules.by_college || colleges_agree);
            (
                Counts::Consent(all),
                if adopted {
                    Outcome::Adopted
                } else {
                    Outcome::Rejected
                },
            )
        }
        Method::SingleChoice | Method::Approval => {
            let mut per_option = vec![0usize; rules.options.len()];
            for ballot in ballots {
                match &ballot.choice {
                    Choice::Single(i) => {
                        if let Some(n) = per_option.get_mut(*i) {
                            *n += 1;
                        }
                    }
                    Choice::Approval(approved) => {
                        for i in approved {
                            if let Some(n) = per_option.get_mut(*i) {
                                *n += 1;
                            }
                        }
                    }
                    _ => {}
                }
            }
            let best = per_option.iter().copied().max().unwrap_or(0);
            let leaders: Vec<usize> = (0..per_option.len())
                .filter(|i| per_option[*i] == best)
                .collect();
            let outcome = match leaders.as_slice() {
                [winner] if best > 0 => Outcome::Winner(*winner),
                _ => Outcome::Tie,
            };
            (Counts::PerOption(per_option), outcome)
        }
        Method::MajorityJudgment => {
            let mut grades: Vec<Vec<Grade>> = vec![Vec::new(); rules.options.len()];
            for ballot in ballots {
                if let Choice::Grades(given) = &ballot.choice {
                    for (i, grade) in given.iter().enumerate() {
                        if let Some(list) = grades.get_mut(i) {
                            list.push(*grade);
                        }
                    }
                }
            }
            let outcome = majority_judgment(&grades);
            let counts = grades
                .iter()
                .map(|list| {
                    let mut per_grade = BTreeMap::new();
                    for g in list {
                        *per_grade.entry(*g).or_insert(0) += 1;
                    }
                    (per_grade, majority_grade(list))
                })
                .collect();
            (Counts::Grades(counts), outcome)
        }
    };
    Tally {
        electorate,
        turnout,
        quorum_reached: quorum,
        counts,
        colleges,
        outcome: if quorum { decided } else { Outcome::NoQuorum },
    }
}

/// The majority grade: the lower median (the best grade a majority gives at least).
pub fn majority_grade(grades: &[Grade]) -> Option<Grade> {
    let mut sorted: Vec<Grade> = grades.to_vec();
    sorted.sort_by_key(|g| std::cmp::Reverse(g.rank()));
    sorted.get(sorted.len() / 2).copied()
}

/// Compares two options' grades: by majority grade, and on a tie by removing one
/// median grade from each, again and again, until they differ.
pub fn compare_grades(a: &[Grade], b: &[Grade]) -> Ordering {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    loop {
        match (majority_grade(&a), majority_grade(&b)) {
            (None, None) => return Ordering::Equal,
            (Some(_), None) => return Ordering::Greater,
            (None, Some(_)) => return Ordering::Less,
            (Some(x), Some(y)) if x != y => return x.rank().cmp(&y.rank()),
            (Some(m), Some(_)) => {
                if let Some(i) = a.iter().position(|g| *g == m) {
                    a.remove(i);
                }
                if let Some(i) = b.iter().position(|g| *g == m) {
                    b.remove(i);
                }
            }
        }
    }
}

fn majority_judgment(grades: &[Vec<Grade>]) -> Outcome {
    if grades.iter().all(Vec::is_empty) {
        return Outcome::Tie;
    }
    let mut best: Vec<usize> = Vec::new();
    for i in 0..grades.len() {
        match best.first() {
            None => best.push(i),
            Some(&b) => match compare_grades(&grades[i], &grades[b]) {
                Ordering::Greater => best = vec![i],
                Ordering::Equal => best.push(i),
                Ordering::Less => {}
            },
        }
    }
    match best.as_slice() {
        [winner] => Outcome::Winner(*winner),
        _ => Outcome::Tie,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn consent_rules(threshold: Threshold, quorum: i64, by_college: bool) -> Rules {
        Rules::new(
            Subject::Question,
            Method::Consent,
            vec![],
            Electorate::Partners,
            quorum,
            Some(threshold),
            by_college,
        )
        .unwrap()
    }

    fn consent(c: Consent, college: Option<College>) -> Ballot {
        Ballot {
            college,
            choice: Choice::Consent(c),
        }
    }

    fn ballots(for_: usize, against: usize, abstain: usize) -> Vec<Ballot> {
        let mut all = Vec::new();
        all.extend((0..for_).map(|_| consent(Consent::For, None)));
        all.extend((0..against).map(|_| consent(Consent::Against, None)));
        all.extend((0..abstain).map(|_| consent(Consent::Abstain, None)));
        all
    }

    #[test]
    fn thresholds_on_hand_computed_cases() {
        let simple = consent_rules(Threshold::Simple, 0, false);
        assert_eq!(
            tally(&simple, 10, &ballots(3, 2, 5)).outcome,
            Outcome::Adopted
        );
        assert_eq!(
            tally(&simple, 10, &ballots(2, 2, 5)).outcome,
            Outcome::Rejected
        );
        assert_eq!(
            tally(&simple, 10, &ballots(0, 0, 5)).outcome,
            Outcome::Rejected
        );

        let two_thirds = consent_rules(Threshold::TwoThirds, 0, false);
        // 4 of 6 is exactly two thirds; abstentions do not count.
        assert_eq!(
            tally(&two_thirds, 10, &ballots(4, 2, 3)).outcome,
            Outcome::Adopted
        );
        assert_eq!(
            tally(&two_thirds, 10, &ballots(3, 2, 0)).outcome,
            Outcome::Rejected
        );
        assert_eq!(
            tally(&two_thirds, 10, &ballots(0, 0, 4)).outcome,
            Outcome::Rejected
        );

        let unanimity = consent_rules(Threshold::Unanimity, 0, false);
        assert_eq!(
            tally(&unanimity, 10, &ballots(5, 0, 4)).outcome,
            Outcome::Adopted
        );
        assert_eq!(
            tally(&unanimity, 10, &ballots(9, 1, 0)).outcome,
            Outcome::Rejected
        );
        assert_eq!(
            tally(&unanimity, 10, &ballots(0, 0, 3)).outcome,
            Outcome::Rejected
        );
    }

    #[test]
    fn quorum_is_reached_exactly_at_the_quorum() {
        let rules = consent_rules(Threshold::Simple, 50, false);
        let at = tally(&rules, 10, &ballots(5, 0, 0));
        assert!(at.quorum_reached);
        assert_eq!(at.outcome, Outcome::Adopted);
        let below = tally(&rules, 10, &ballots(4, 0, 0));
        assert!(!below.quorum_reached);
        assert_eq!(below.outcome, Outcome::NoQuorum);
        // Abstentions count for quorum.
        assert!(tally(&rules, 10, &ballots(1, 0, 4)).quorum_reached);
        // 1 of 3 is 33.3 %: a 34 % quorum is not reached, 33 % is.
        assert!(!quorum_reached(3, 1, 34));
        assert!(quorum_reached(3, 1, 33));
        assert!(quorum_reached(0, 0, 0));
        assert!(!quorum_reached(0, 0, 1));
    }

    #[test]
    fn a_college_cannot_be_outvoted() {
        let rules = consent_rules(Threshold::Simple, 0, true);
        let students = Some(College::Students);
        let city = Some(College::City);
        let higher = Some(College::HigherEducation);
        // Overall 4 for, 1 against; but the students' only vote is against.
        let vetoed = vec![
            consent(Consent::For, city),
            consent(Consent::For, higher),
            consent(Consent::For, higher),
            consent(Consent::For, city),
            consent(Consent::Against, students),
        ];
        let t = tally(&rules, 6, &vetoed);
        assert_eq!(t.outcome, Outcome::Rejected);
        assert_eq!(
            t.colleges[&College::Students],
            ConsentCounts {
                for_: 0,
                against: 1,
                abstain: 0
            }
        );
        // A college that only abstained blocks nothing.
        let abstaining = vec![
            consent(Consent::For, city),
            consent(Consent::For, higher),
            consent(Consent::Abstain, students),
        ];
        assert_eq!(tally(&rules, 6, &abstaining).outcome, Outcome::Adopted);
        // Without by_college the same ballots pass.
        assert_eq!(
            tally(&consent_rules(Threshold::Simple, 0, false), 6, &vetoed).outcome,
            Outcome::Adopted
        );
    }

    #[test]
    fn a_secret_vote_never_shows_live_results() {
        use ResultsVisibility::{AfterClose, Live};
        let refused = results_visibility(true, Some(Live)).unwrap_err();
        let DomainError::Invalid(errors) = refused else {
            panic!("not a validation error")
        };
        assert_eq!(errors[0].field, "results");
        assert_eq!(results_visibility(true, None).unwrap(), AfterClose);
        assert_eq!(
            results_visibility(true, Some(AfterClose)).unwrap(),
            AfterClose
        );
        assert_eq!(results_visibility(false, None).unwrap(), Live);
        assert_eq!(
            results_visibility(false, Some(AfterClose)).unwrap(),
            AfterClose
        );
        assert!(!shows_live_results(true, Live));
        assert!(shows_live_results(false, Live));
        assert!(!shows_live_results(false, AfterClose));
    }

    #[test]
    fn a_secret_result_hides_the_counts_of_small_colleges() {
        let rules = consent_rules(Threshold::Simple, 0, true);
        let (city, students, higher) = (
            Some(College::City),
            Some(College::Students),
            Some(College::HigherEducation),
        );
        // Students: 1 ballot (against); city: 2 (for, abstain); higher education: 4 for.
        let mut ballots = vec![
            consent(Consent::Against, students),
            consent(Consent::For, city),
            consent(Consent::Abstain, city),
        ];
        ballots.extend((0..4).map(|_| consent(Consent::For, higher)));
        let t = tally(&rules, 10, &ballots);
        assert_eq!(t.outcome, Outcome::Rejected);
        let shown = t.college_results(&rules, true);
        // The small colleges (1 + 2 ballots = 3 together) show only the threshold.
        assert_eq!(
            shown[&College::Students],
            CollegeResult {
                counts: None,
                threshold_met: false
            }
        );
        assert_eq!(
            shown[&College::City],
            CollegeResult {
                counts: None,
                threshold_met: true
            }
        );
        assert_eq!(
            shown[&College::HigherEducation].counts,
            Some(ConsentCounts {
                for_: 4,
                against: 0,
                abstain: 0
            })
        );
        // Not secret: every college's counts.
        assert!(
            t.college_results(&rules, false)
                .values()
                .all(|c| c.counts.is_some())
        );

        // One student ballot beside two large colleges: overall minus the shown counts
        // would give it away, so the smallest large college is hidden as well.
        let mut ballots = vec![consent(Consent::Against, students)];
        ballots.extend((0..3).map(|_| consent(Consent::For, city)));
        ballots.extend((0..4).map(|_| consent(Consent::For, higher)));
        let shown = tally(&rules, 10, &ballots).college_results(&rules, true);
        assert_eq!(shown[&College::Students].counts, None);
        assert_eq!(shown[&College::City].counts, None);
        assert!(shown[&College::City].threshold_met);
        assert!(shown[&College::HigherEducation].counts.is_some());
    }

    fn options(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("option {i}")).collect()
    }

    #[test]
    fn single_choice_and_approval() {
        let single = Rules::new(
            Subject::Question,
            Method::SingleChoice,
            options(3),
            Electorate::Members,
            0,
            None,
            false,
        )
        .unwrap();
        let vote = |i| Ballot {
            college: None,
            choice: Choice::Single(i),
        };
        let t = tally(&single, 5, &[vote(0), vote(2), vote(2)]);
        assert_eq!(t.outcome, Outcome::Winner(2));
        assert_eq!(t.counts, Counts::PerOption(vec![1, 0, 2]));
        assert_eq!(tally(&single, 5, &[vote(0), vote(2)]).outcome, Outcome::Tie);
        assert_eq!(tally(&single, 5, &[]).outcome, Outcome::Tie);

        let approval = Rules::new(
            Subject::Question,
            Method::Approval,
            options(3),
            Electorate::Members,
            0,
            None,
            false,
        )
        .unwrap();
        let approve = |v: Vec<usize>| Ballot {
            college: None,
            choice: Choice::Approval(v),
        };
        let t = tally(
            &approval,
            5,
            &[
                approve(vec![0, 1]),
                approve(vec![1]),
                approve(vec![]),
                approve(vec![0, 1, 2]),
            ],
        );
        assert_eq!(t.counts, Counts::PerOption(vec![2, 3, 1]));
        assert_eq!(t.outcome, Outcome::Winner(1));
        assert_eq!(t.turnout, 4);
    }

    fn g(s: &str) -> Grade {
        Grade::parse("g", s).unwrap()
    }

    #[test]
    fn majority_judgment_worked_example() {
        use Grade::*;
        // Majority grades: A good, B good, C fair.
        let a = vec![Excellent, Good, Good, Fair, Reject];
        let b = vec![VeryGood, Good, Good, Good, Passable];
        let c = vec![Excellent, Excellent, Fair, Insufficient, Reject];
        assert_eq!(majority_grade(&a), Some(Good));
        assert_eq!(majority_grade(&b), Some(Good));
        assert_eq!(majority_grade(&c), Some(Fair));
        // A and B tie on "good": remove one "good" each: A [E,G,F,R] -> lower median F;
        // B [VG,G,G,P] -> G. B wins.
        assert_eq!(compare_grades(&b, &a), Ordering::Greater);
        let rules = Rules::new(
            Subject::Question,
            Method::MajorityJudgment,
            options(3),
            Electorate::Members,
            0,
            None,
            false,
        )
        .unwrap();
        let ballots: Vec<Ballot> = (0..5)
            .map(|i| Ballot {
                college: None,
                choice: Choice::Grades(vec![a[i], b[i], c[i]]),
            })
            .collect();
        let t = tally(&rules, 5, &ballots);
        assert_eq!(t.outcome, Outcome::Winner(1));
        // Even counts use the lower median.
        assert_eq!(majority_grade(&[Excellent, Reject]), Some(Reject));
        // Identical grades tie.
        assert_eq!(
            compare_grades(&[g("good"), g("fair")], &[g("fair"), g("good")]),
            Ordering::Equal
        );
    }

    #[test]
    fn rules_refuse_what_does_not_fit() {
        assert!(
            Rules::new(
                Subject::PlanAdoption,
                Method::Approval,
                options(2),
                Electorate::Partners,
                50,
                None,
                false
            )
            .is_err()
        );
        assert!(
            Rules::new(
                Subject::Question,
                Method::Consent,
                options(2),
                Electorate::Partners,
                50,
                None,
                false
            )
            .is_err()
        );
        assert!(
            Rules::new(
                Subject::Question,
                Method::SingleChoice,
                options(1),
                Electorate::Partners,
                50,
                None,
                false
            )
            .is_err()
        );
        assert!(
            Rules::new(
                Subject::Question,
                Method::SingleChoice,
                vec!["a".into(), "a".into()],
                Electorate::Partners,
                0,
                None,
                false
            )
            .is_err()
        );
        assert!(
            Rules::new(
                Subject::Question,
                Method::Consent,
                vec![],
                Electorate::Partners,
                101,
                None,
                false
            )
            .is_err()
        );
        assert!(
            Rules::new(
                Subject::Question,
                Method::Consent,
                vec![],
                Electorate::Members,
                0,
                None,
                true
            )
            .is_err()
        );
        assert!(
            Rules::new(
                Subject::Question,
                Method::SingleChoice,
                options(2),
                Electorate::Partners,
                0,
                Some(Threshold::Simple),
                false
            )
            .is_err()
        );
        let consent = Rules::new(
            Subject::Question,
            Method::Consent,
            vec![],
            Electorate::Partners,
            0,
            None,
            false,
        )
        .unwrap();
        assert_eq!(consent.threshold, Some(Threshold::Simple));
    }

    #[test]
    fn ballots_are_checked_against_the_method() {
        let mj = Rules::new(
            Subject::Question,
            Method::MajorityJudgment,
            options(2),
            Electorate::Members,
            0,
            None,
            false,
        )
        .unwrap();
        let mut grades = BTreeMap::new();
        grades.insert("option 0".to_owned(), "good".to_owned());
        assert!(mj.ballot(None, None, Some(&grades)).is_err(), "incomplete");
        grades.insert("option 1".to_owned(), "reject".to_owned());
        assert_eq!(
            mj.ballot(None, None, Some(&grades)).unwrap(),
            Choice::Grades(vec![Grade::Good, Grade::Reject])
        );
        assert!(mj.ballot(Some("for"), None, None).is_err());
        let consent = consent_rules(Threshold::Simple, 0, false);
        assert_eq!(
            consent.ballot(Some("against"), None, None).unwrap(),
            Choice::Consent(Consent::Against)
        );
        assert!(consent.ballot(Some("maybe"), None, None).is_err());
        let approval = Rules::new(
            Subject::Question,
            Method::Approval,
            options(3),
            Electorate::Members,
            0,
            None,
            false,
        )
        .unwrap();
        let picked = vec![
            "option 2".to_owned(),
            "option 0".to_owned(),
            "option 2".to_owned(),
        ];
        assert_eq!(
            approval.ballot(None, Some(&picked), None).unwrap(),
            Choice::Approval(vec![0, 2])
        );
        assert!(
            approval
                .ballot(None, Some(&["nope".to_owned()]), None)
                .is_err()
        );
    }

    fn arb_college() -> impl Strategy<Value = College> {
        prop::sample::select(College::ALL.to_vec())
    }

    fn arb_consent() -> impl Strategy<Value = Consent> {
        prop::sample::select(Consent::ALL.to_vec())
    }

    fn arb_ballots() -> impl Strategy<Value = Vec<Ballot>> {
        prop::collection::vec((arb_consent(), arb_college()), 0..40).prop_map(|v| {
            v.into_iter()
                .map(|(c, college)| consent(c, Some(college)))
                .collect()
        })
    }

    fn arb_threshold() -> impl Strategy<Value = Threshold> {
        prop::sample::select(Threshold::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn consent_counts_add_up_to_the_ballots(ballots in arb_ballots(), threshold in arb_threshold(), by_college: bool) {
            let rules = consent_rules(threshold, 0, by_college);
            let t = tally(&rules, 50, &ballots);
            let Counts::Consent(c) = t.counts else { panic!("not consent counts") };
            prop_assert_eq!(c.for_ + c.against + c.abstain, ballots.len());
            prop_assert_eq!(t.turnout, ballots.len());
            if by_college {
                let per: usize = t.colleges.values().map(|c| c.for_ + c.against + c.abstain).sum();
                prop_assert_eq!(per, ballots.len());
            }
        }

        #[test]
        fn a_secret_result_never_singles_out_fewer_than_three_ballots(
            ballots in arb_ballots(),
            threshold in arb_threshold(),
        ) {
            let rules = consent_rules(threshold, 0, true);
            let t = tally(&rules, 50, &ballots);
            let shown = t.college_results(&rules, true);
            prop_assert_eq!(shown.len(), t.colleges.len());
            let mut hidden_ballots = 0;
            for (college, result) in &shown {
                let counts = t.colleges[college];
                prop_assert_eq!(result.threshold_met, counts.college_agrees(threshold));
                match result.counts {
                    Some(c) => {
                        prop_assert_eq!(c, counts);
                        prop_assert!(c.ballots() >= SECRET_COLLEGE_MIN_BALLOTS);
                    }
                    None => hidden_ballots += counts.ballots(),
                }
            }
            // What subtraction reveals (the hidden colleges together) is nothing, or
            // at least three ballots, or everything (then the overall counts say it).
            let all_hidden = shown.values().all(|r| r.counts.is_none());
            prop_assert!(hidden_ballots == 0 || hidden_ballots >= SECRET_COLLEGE_MIN_BALLOTS || all_hidden);
            // The flags agree with the outcome.
            if t.outcome == Outcome::Adopted {
                prop_assert!(shown.values().all(|r| r.threshold_met));
            }
        }

        #[test]
        fn adding_a_for_ballot_never_turns_adopted_into_rejected(
            ballots in arb_ballots(),
            college in arb_college(),
            threshold in arb_threshold(),
            quorum in 0i64..=100,
            by_college: bool,
        ) {
            let rules = consent_rules(threshold, quorum, by_college);
            let before = tally(&rules, 41, &ballots);
            let mut more = ballots.clone();
            more.push(consent(Consent::For, Some(college)));
            let after = tally(&rules, 41, &more);
            if before.outcome == Outcome::Adopted {
                prop_assert_eq!(after.outcome, Outcome::Adopted);
            }
        }

        #[test]
        fn the_result_does_not_depend_on_the_order_of_ballots(
            ballots in arb_ballots(),
            threshold in arb_threshold(),
            by_college: bool,
            seed: u64,
        ) {
            let rules = consent_rules(threshold, 30, by_college);
            let mut shuffled = ballots.clone();
            // A deterministic shuffle from the seed.
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let j = usize::try_from(state % (i as u64 + 1)).unwrap_or(0);
                shuffled.swap(i, j);
            }
            prop_assert_eq!(tally(&rules, 40, &ballots), tally(&rules, 40, &shuffled));
        }

        #[test]
        fn majority_judgment_is_order_independent(
            grades in prop::collection::vec(prop::collection::vec(0usize..7, 3), 0..15),
        ) {
            let rules = Rules::new(Subject::Question, Method::MajorityJudgment, options(3), Electorate::Members, 0, None, false).unwrap();
            let ballots: Vec<Ballot> = grades
                .iter()
                .map(|gs| Ballot { college: None, choice: Choice::Grades(gs.iter().map(|i| Grade::ALL[*i]).collect()) })
                .collect();
            let mut reversed = ballots.clone();
            reversed.reverse();
            prop_assert_eq!(tally(&rules, 20, &ballots), tally(&rules, 20, &reversed));
        }
    }
}
