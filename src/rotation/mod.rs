//! The staged rotation of DESIGN §1 as a resumable state machine: generate → publish → trust →
//! switch → verify → retire, each stage run only when its gate is open.
//!
//! - [`state`]: the state file (what is done, when; which keys; where things are).
//! - [`lock`]: one run at a time.
//! - [`window`]: the retire gate's wait (DESIGN §2.6), pure.
//! - [`run`]: the I/O: stage actions over the manifests, publish and cluster layers, each
//!   idempotent so a run killed between action and state update is safe to repeat.

pub mod lock;
pub mod run;
pub mod state;
pub mod store;
pub mod window;

pub use state::{RotationState, Stage};
