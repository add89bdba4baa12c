//! What a challenge asks the person to do. A wire type (certd sends the
//! actions, the evidence names them) as much as a liveness one, so it lives
//! with the rules both sides share.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Action {
    Blink,
    OpenMouth,
    /// Toward the person's own left shoulder.
    TurnLeft,
    /// Toward the person's own right shoulder.
    TurnRight,
    Nod,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Blink,
        Action::OpenMouth,
        Action::TurnLeft,
        Action::TurnRight,
        Action::Nod,
    ];

    /// The names used on the command line and in challenges from the server.
    pub fn name(self) -> &'static str {
        match self {
            Action::Blink => "blink",
            Action::OpenMouth => "mouth",
            Action::TurnLeft => "left",
            Action::TurnRight => "right",
            Action::Nod => "nod",
        }
    }

    pub fn from_name(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == s.trim())
    }

    /// Head movements, which a flat photo can fake only as a plane.
    pub fn moves_head(self) -> bool {
        matches!(self, Action::TurnLeft | Action::TurnRight | Action::Nod)
    }
}
