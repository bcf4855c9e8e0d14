//! Warm-up plans: a table of daily volumes, one per step. The standard plan is the 20-step
//! table every new sending domain and dedicated pool starts on; operators may define named
//! (upgraded) plans and assign them to a domain or a pool.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Daily volume of each step of the standard plan (step 1 is the first day of a new scope).
pub const STANDARD_STEPS: [u64; 20] = [
    500, 1_000, 2_000, 5_000, 10_000, 20_000, 40_000, 60_000, 80_000, 100_000, 150_000, 200_000,
    300_000, 400_000, 500_000, 600_000, 700_000, 800_000, 900_000, 1_000_000,
];

/// Name of the standard plan.
pub const STANDARD_PLAN: &str = "standard";

/// Most steps a custom plan may have.
pub const MAX_STEPS: usize = 100;

/// Why a plan was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The name is not 1–32 of `[a-z0-9_-]`.
    #[error("a plan name is 1-32 characters of a-z, 0-9, '_' and '-'")]
    BadName,
    /// No steps, or more than [`MAX_STEPS`].
    #[error("a plan has 1 to {MAX_STEPS} steps")]
    BadLength,
    /// A step of 0 messages, or a step smaller than the one before it.
    #[error("each step sends at least 1 message and no fewer than the step before")]
    NotIncreasing,
    /// The standard plan is built in and cannot be redefined.
    #[error("the standard plan cannot be redefined")]
    Reserved,
}

/// A plan name: 1–32 of `[a-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlanName(String);

impl PlanName {
    /// Parses a plan name.
    pub fn parse(raw: &str) -> Result<Self, PlanError> {
        let ok = !raw.is_empty()
            && raw.len() <= 32
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-'));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(PlanError::BadName)
        }
    }

    /// The standard plan's name.
    pub fn standard() -> Self {
        Self(STANDARD_PLAN.to_owned())
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PlanName {
    type Error = PlanError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PlanName> for String {
    fn from(value: PlanName) -> Self {
        value.0
    }
}

impl fmt::Display for PlanName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A warm-up plan: step `i` (1-based) allows `steps[i - 1]` messages per quota day. The step
/// after the last is *warm*: the warm-up is over and the scope keeps the last step's volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Name.
    pub name: PlanName,
    /// Daily volume per step; non-empty, each ≥ 1, non-decreasing.
    pub steps: Vec<u64>,
}

impl Plan {
    /// The built-in 20-step plan.
    pub fn standard() -> Self {
        Self {
            name: PlanName::standard(),
            steps: STANDARD_STEPS.to_vec(),
        }
    }

    /// A custom plan, checked. The name `standard` is reserved.
    pub fn custom(name: PlanName, steps: Vec<u64>) -> Result<Self, PlanError> {
        if name.as_str() == STANDARD_PLAN {
            return Err(PlanError::Reserved);
        }
        if steps.is_empty() || steps.len() > MAX_STEPS {
            return Err(PlanError::BadLength);
        }
        if steps[0] == 0 || steps.windows(2).any(|w| w[1] < w[0]) {
            return Err(PlanError::NotIncreasing);
        }
        Ok(Self { name, steps })
    }

    /// The warm step: one past the last step of the table.
    pub fn warm_step(&self) -> u32 {
        self.steps.len() as u32 + 1
    }

    /// `step` brought into `1..=warm_step()`.
    pub fn clamp(&self, step: u32) -> u32 {
        step.clamp(1, self.warm_step())
    }

    /// Messages per quota day at `step` (clamped; warm keeps the last step's volume).
    pub fn quota(&self, step: u32) -> u64 {
        let index = self.clamp(step).min(self.steps.len() as u32) as usize - 1;
        self.steps[index]
    }

    /// Whether `step` means the warm-up is over.
    pub fn is_warm(&self, step: u32) -> bool {
        step >= self.warm_step()
    }
}
