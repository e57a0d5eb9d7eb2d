//! Exit codes (DESIGN §3) and the error types that choose them. Any other error is exit 2.

use std::process::ExitCode;

/// A check failed or an unsafe step was refused: exit 1.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// The rotation gate is not open yet: exit 3.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GateClosed(pub String);

/// Exit 1 without an extra message: the command already printed why (e.g. a failing check list).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ChecksFailed(pub String);

pub fn code_for(err: &anyhow::Error) -> ExitCode {
    for cause in err.chain() {
        if cause.is::<Refused>() || cause.is::<ChecksFailed>() {
            return ExitCode::from(1);
        }
        if cause.is::<GateClosed>() {
            return ExitCode::from(3);
        }
    }
    ExitCode::from(2)
}
