//! A score row of a transcript and what makes it count.

use serde::{Deserialize, Serialize};

/// How a score was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObtainedBy {
    Exam,
    Exemption,
    Substitution,
    Transfer,
}

impl ObtainedBy {
    pub const ALL: [Self; 4] = [
        Self::Exam,
        Self::Exemption,
        Self::Substitution,
        Self::Transfer,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exam => "exam",
            Self::Exemption => "exemption",
            Self::Substitution => "substitution",
            Self::Transfer => "transfer",
        }
    }
    pub fn from_db(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Exam => "考试",
            Self::Exemption => "免考",
            Self::Substitution => "顶替",
            Self::Transfer => "转入",
        }
    }
}

/// Grade-scored courses (usually practicals) use 优秀/良好/中等/合格/不合格.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Excellent,
    Good,
    Fair,
    Pass,
    Fail,
}

impl Grade {
    pub const ALL: [Self; 5] = [
        Self::Excellent,
        Self::Good,
        Self::Fair,
        Self::Pass,
        Self::Fail,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Excellent => "excellent",
            Self::Good => "good",
            Self::Fair => "fair",
            Self::Pass => "pass",
            Self::Fail => "fail",
        }
    }
    pub fn from_db(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Excellent => "优秀",
            Self::Good => "良好",
            Self::Fair => "中等",
            Self::Pass => "合格",
            Self::Fail => "不合格",
        }
    }
}

/// A score (0–100, pass at 60) or a grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Score(u8),
    Grade(Grade),
}

pub const PASS_SCORE: u8 = 60;

impl Mark {
    pub fn is_pass(self) -> bool {
        match self {
            Mark::Score(s) => s >= PASS_SCORE,
            Mark::Grade(g) => g != Grade::Fail,
        }
    }
    pub fn label(self) -> String {
        match self {
            Mark::Score(s) => s.to_string(),
            Mark::Grade(g) => g.label().to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreStatus {
    Valid,
    /// Cancelled, e.g. by a violation ruling; never counts.
    Void,
}

impl ScoreStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Void => "void",
        }
    }
    pub fn from_db(s: &str) -> Option<Self> {
        match s {
            "valid" => Some(Self::Valid),
            "void" => Some(Self::Void),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_marks() {
        assert!(Mark::Score(60).is_pass());
        assert!(!Mark::Score(59).is_pass());
        assert!(Mark::Grade(Grade::Pass).is_pass());
        assert!(!Mark::Grade(Grade::Fail).is_pass());
        assert_eq!(Mark::Grade(Grade::Good).label(), "良好");
    }
}
