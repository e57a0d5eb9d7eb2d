//! The staged rotation of DESIGN §1 as a resumable state machine: generate → publish → trust →
//! switch → verify → retire, each stage run only when its gate is open.
//!
//! - [`state`]: the state file (what is done, when; which keys; where things are).
//! - [`lock`]: one run at a time.
//! - [`store`]: where the state and the lock live (a file, or a ConfigMap and a Lease).
//! - [`window`]: the retire gate's wait (DESIGN §2.6), pure.
//! - [`run`]: `next` and `abort`, and the rolling edit every stage uses; [`start`] ([`start_signer`] for the signer layout) and
//!   [`stages`]: what each stage does; [`gates`] and [`live`]: the evidence the gates ask the
//!   apiservers for; [`public`]: what relying parties see before switch; [`legacy`]: the legacy
//!   token Secrets before retire; [`metrics`]: the apiservers' token counters; [`fleet`]: the nodes,
//!   through the node interface; [`published`]: the publish target.

pub mod fleet;
pub mod gates;
pub mod legacy;
pub mod live;
pub mod lock;
pub mod metrics;
pub mod public;
pub mod published;
pub mod run;
pub mod stages;
pub mod start;
pub mod start_signer;
pub mod state;
pub mod store;
pub mod window;

pub use state::{RotationState, Stage};
