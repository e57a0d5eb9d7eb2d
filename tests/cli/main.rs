//! The one integration-test binary (ripgrep's layout): every test drives the real `sakr`
//! executable, and checks it against independent tools — openssl for kids and key forms,
//! Kubernetes' own published vectors, and a real OIDC relying-party library (PyJWT).

mod support;

mod bad_inputs;
mod cluster;
mod crash;
mod docs;
mod evidence;
mod fake_apiserver;
mod fake_node_pods;
mod fake_objects;
mod fake_restarts;
mod fake_review;
mod generated;
mod json_schema;
mod jwks;
mod keygen;
mod kid;
mod kubeadm_config;
mod kubeadm_layout;
mod manifest;
mod manifest_nodes;
mod node_transport;
mod pod_nodes;
mod publish;
mod publish_cmd;
mod rbac;
mod relying_party;
mod rotate;
mod rotate_ha;
mod rotate_hardening;
mod rotate_k8s_state;
mod rotate_live;
mod servers;
mod signer;
mod signer_backends;
mod signer_backends_bad;
mod signer_migrate;
mod signer_rotation;
mod sshd_nodes;
mod token_review;
mod verify_cmd;
