//! The `pkcs11` backend: a key on a PKCS#11 token (an HSM, a smart card, SoftHSM2), through the
//! `cryptoki` crate, which loads the module with dlopen at run time.
//!
//! - The module is loaded and initialised once per process (`C_Initialize` may be called only
//!   once per library), and kept for the process's life; each loaded key has its own session,
//!   logged in as the user with the PIN of its entry. A session may not be used by two threads
//!   at once: it sits in a `Mutex`, so `Sign` from concurrent requests is serialized per key.
//! - The PIN comes from a file (one trailing newline trimmed) or an environment variable; it is
//!   held in `cryptoki`'s `AuthPin` (a `secrecy` string, zeroed on drop) only while logging in,
//!   and never appears in an error or a `Debug` output.
//! - The private key is the private-key object labelled `key_label`; its public half is read
//!   from the public-key object of the same label (else of the same CKA_ID): CKA_MODULUS and
//!   CKA_PUBLIC_EXPONENT, or CKA_EC_PARAMS and CKA_EC_POINT, turned into PKIX DER.
//! - RSA signs with CKM_SHA256_RSA_PKCS (RS256); EC with CKM_ECDSA over a SHA-256/384/512 digest
//!   made here (ES256/384/512), which PKCS#11 returns as raw `r || s` already (JWS form).
//! - Login state is per application and token: a second key on a token the process is logged
//!   in to gets CKR_USER_ALREADY_LOGGED_IN without its PIN being checked. The PIN that logged
//!   in is remembered as a SHA-256 digest, and a different PIN is refused then, so a reload
//!   with a wrong PIN never passes because another key is logged in.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use sha2::Digest as _;

use super::{Backend, BackendError, Opened};
use crate::keys::PublicKey;
use crate::keys::generate::Algorithm;
use crate::signer::config::{KeyEntry, PinSource};

/// Where a key lives on a token, and where its PIN comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub module: PathBuf,
    pub token_label: String,
    pub key_label: String,
    pub pin: PinSource,
}

impl Location {
    pub fn of(entry: &KeyEntry) -> Result<Location, BackendError> {
        let missing = |f: &str| BackendError::Key(format!("the pkcs11 backend needs `{f}`"));
        Ok(Location {
            module: entry.module.clone().ok_or_else(|| missing("module"))?,
            token_label: entry
                .token_label
                .clone()
                .ok_or_else(|| missing("token_label"))?,
            key_label: entry
                .key_label
                .clone()
                .ok_or_else(|| missing("key_label"))?,
            pin: entry
                .pin_source()
                .ok_or_else(|| missing("pin_file or pin_env"))?,
        })
    }

    fn describe(&self) -> String {
        format!(
            "pkcs11 {} token {:?} key {:?}",
            self.module.display(),
            self.token_label,
            self.key_label
        )
    }
}

/// How the token signs for this key.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Rsa,
    /// The digest and the length of `r || s`.
    Ec(&'static aws_lc_rs::digest::Algorithm, usize),
}

/// A key on a token, with its own logged-in session.
pub struct Pkcs11Key {
    session: Mutex<Session>,
    key: ObjectHandle,
    kind: Kind,
    label: String,
}

impl std::fmt::Debug for Pkcs11Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Key")
            .field("label", &self.label)
            .field("kind", &self.kind)
            .field("session", &"REDACTED")
            .finish()
    }
}

fn ck(what: &str, e: &CkError) -> String {
    match e {
        CkError::Pkcs11(rv, function) => format!("{what}: {function:?} returned {rv:?}"),
        other => format!("{what}: {other}"),
    }
}

/// The PIN of a location, read now, and its SHA-256 digest; errors name the file or variable,
/// never the content.
fn read_pin(pin: &PinSource) -> Result<(AuthPin, Vec<u8>), BackendError> {
    let bad = |m: String| BackendError::Key(m);
    let text = match pin {
        PinSource::File(path) => {
            use std::os::unix::fs::PermissionsExt as _;
            let meta = std::fs::metadata(path)
                .map_err(|e| bad(format!("pin_file {}: {e}", path.display())))?;
            if meta.permissions().mode() & 0o077 != 0 {
                return Err(bad(format!(
                    "pin_file {}: readable by others (mode {:o}); chmod 600",
                    path.display(),
                    meta.permissions().mode() & 0o7777
                )));
            }
            let bytes = zeroize::Zeroizing::new(
                crate::fsutil::read_capped(path, 4096)
                    .map_err(|e| bad(format!("pin_file {}: {e}", path.display())))?,
            );
            let mut text = String::from_utf8(bytes.to_vec())
                .map_err(|_| bad(format!("pin_file {}: not UTF-8 text", path.display())))?;
            if text.ends_with('\n') {
                text.pop();
                if text.ends_with('\r') {
                    text.pop();
                }
            }
            if text.is_empty() {
                return Err(bad(format!("pin_file {}: empty", path.display())));
            }
            text
        }
        PinSource::Env(var) => match std::env::var(var) {
            Ok(v) if !v.is_empty() => v,
            Ok(_) => return Err(bad(format!("pin_env {var}: the variable is empty"))),
            Err(std::env::VarError::NotPresent) => {
                return Err(bad(format!(
                    "pin_env {var}: the variable is not set in sakr's environment"
                )));
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(bad(format!("pin_env {var}: not UTF-8")));
            }
        },
    };
    let digest = sha2::Sha256::digest(text.as_bytes()).to_vec();
    Ok((AuthPin::from(text), digest))
}

/// The process's modules, initialised once each (keyed by path).
fn context(module: &Path) -> Result<Pkcs11, BackendError> {
    use std::os::unix::fs::PermissionsExt as _;
    static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut all = CONTEXTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(ctx) = all.get(module) {
        return Ok(ctx.clone());
    }
    let bad = |m: String| BackendError::Key(format!("module {}: {m}", module.display()));
    let meta = std::fs::metadata(module).map_err(|e| bad(e.to_string()))?;
    if !meta.is_file() {
        return Err(bad("not a file".into()));
    }
    // The module runs inside the signer: whoever can write it holds the signing keys.
    if meta.permissions().mode() & 0o022 != 0 {
        return Err(bad(format!(
            "writable by others (mode {:o})",
            meta.permissions().mode() & 0o7777
        )));
    }
    let ctx = Pkcs11::new(module).map_err(|e| bad(ck("loading", &e)))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(bad(ck("C_Initialize", &e))),
    }
    all.insert(module.to_path_buf(), ctx.clone());
    Ok(ctx)
}

fn find_token(ctx: &Pkcs11, loc: &Location) -> Result<Slot, BackendError> {
    let slots = ctx
        .get_slots_with_token()
        .map_err(|e| BackendError::Service(ck("listing slots", &e)))?;
    let mut labels = Vec::new();
    for slot in slots {
        let Ok(info) = ctx.get_token_info(slot) else {
            continue;
        };
        let label = info.label().trim_end().to_string();
        if label == loc.token_label {
            return Ok(slot);
        }
        // An uninitialised slot (SoftHSM2 always offers one) has no label.
        if !label.is_empty() {
            labels.push(label);
        }
    }
    Err(BackendError::Key(format!(
        "module {}: no token labelled {:?} (tokens: {})",
        loc.module.display(),
        loc.token_label,
        if labels.is_empty() {
            "none".into()
        } else {
            format!("{labels:?}")
        }
    )))
}

/// A session on the location's token, logged in as the user.
fn session(loc: &Location, rw: bool) -> Result<Session, BackendError> {
    // The PIN first: a missing PIN file is reported whatever the state of the module.
    let (pin, digest) = read_pin(&loc.pin)?;
    let ctx = context(&loc.module)?;
    let slot = find_token(&ctx, loc)?;
    let session = if rw {
        ctx.open_rw_session(slot)
    } else {
        ctx.open_ro_session(slot)
    }
    .map_err(|e| BackendError::Service(ck("opening a session", &e)))?;
    /// (module, token label) → SHA-256 of the PIN that logged the process in.
    type Logins = Mutex<HashMap<(PathBuf, String), Vec<u8>>>;
    static LOGGED_IN: OnceLock<Logins> = OnceLock::new();
    let mut logged = LOGGED_IN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let token = (loc.module.clone(), loc.token_label.clone());
    match session.login(UserType::User, Some(&pin)) {
        Ok(()) => {
            logged.insert(token, digest);
        }
        Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {
            if logged.get(&token).is_some_and(|d| *d != digest) {
                return Err(BackendError::Key(format!(
                    "token {:?}: the PIN differs from the one this process logged in with (wrong PIN?)",
                    loc.token_label
                )));
            }
        }
        Err(CkError::Pkcs11(RvError::PinIncorrect, _)) => {
            return Err(BackendError::Key(format!(
                "token {:?}: the token refused the PIN (CKR_PIN_INCORRECT)",
                loc.token_label
            )));
        }
        Err(CkError::Pkcs11(RvError::PinLocked, _)) => {
            return Err(BackendError::Key(format!(
                "token {:?}: the user PIN is locked (CKR_PIN_LOCKED)",
                loc.token_label
            )));
        }
        Err(e) => return Err(BackendError::Key(ck("logging in", &e))),
    }
    Ok(session)
}

fn objects(
    session: &Session,
    class: ObjectClass,
    by: Attribute,
) -> Result<Vec<ObjectHandle>, BackendError> {
    session
        .find_objects(&[Attribute::Class(class), by])
        .map_err(|e| BackendError::Service(ck("finding objects", &e)))
}

/// DER of the named-curve OIDs (CKA_EC_PARAMS) of P-256, P-384 and P-521.
const P256_PARAMS: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const P384_PARAMS: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
const P521_PARAMS: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];

/// PKIX DER of a token's public-key object.
fn spki_of(session: &Session, public: ObjectHandle) -> Result<Vec<u8>, BackendError> {
    use pkcs8::der::Encode as _;
    use rsa::pkcs8::EncodePublicKey as _;
    let attrs = session
        .get_attributes(
            public,
            &[
                AttributeType::KeyType,
                AttributeType::Modulus,
                AttributeType::PublicExponent,
                AttributeType::EcParams,
                AttributeType::EcPoint,
            ],
        )
        .map_err(|e| BackendError::Service(ck("reading the public key", &e)))?;
    let (mut kt, mut n, mut e, mut params, mut point) = (None, None, None, None, None);
    for a in attrs {
        match a {
            Attribute::KeyType(k) => kt = Some(k),
            Attribute::Modulus(v) => n = Some(v),
            Attribute::PublicExponent(v) => e = Some(v),
            Attribute::EcParams(v) => params = Some(v),
            Attribute::EcPoint(v) => point = Some(v),
            _ => {}
        }
    }
    let bad = |m: &str| BackendError::Key(format!("the public key object: {m}"));
    match (kt, n, e, params, point) {
        (Some(k), Some(n), Some(e), _, _) if k == KeyType::RSA => {
            let key = rsa::RsaPublicKey::new_with_max_size(
                rsa::BigUint::from_bytes_be(&n),
                rsa::BigUint::from_bytes_be(&e),
                crate::keys::MAX_RSA_BITS,
            )
            .map_err(|e| bad(&e.to_string()))?;
            Ok(key
                .to_public_key_der()
                .map_err(|e| bad(&e.to_string()))?
                .into_vec())
        }
        (Some(k), _, _, Some(params), Some(point)) if k == KeyType::EC => {
            let width = match params.as_slice() {
                P256_PARAMS => 32,
                P384_PARAMS => 48,
                P521_PARAMS => 66,
                _ => return Err(bad("an EC curve other than P-256, P-384 or P-521")),
            };
            // CKA_EC_POINT is a DER OCTET STRING holding the point (PKCS#11 2.40); some
            // tokens return the bare point.
            let raw = if point.len() == 1 + 2 * width && point[0] == 0x04 {
                point
            } else {
                use pkcs8::der::Decode as _;
                pkcs8::der::asn1::OctetString::from_der(&point)
                    .map_err(|_| bad("CKA_EC_POINT is neither a point nor an OCTET STRING"))?
                    .as_bytes()
                    .to_vec()
            };
            let params = {
                use pkcs8::der::Decode as _;
                pkcs8::der::Any::from_der(&params)
                    .map_err(|e| bad(&format!("CKA_EC_PARAMS: {e}")))?
            };
            let spki = spki::SubjectPublicKeyInfoOwned {
                algorithm: spki::AlgorithmIdentifierOwned {
                    oid: spki::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1"),
                    parameters: Some(params),
                },
                subject_public_key: pkcs8::der::asn1::BitString::from_bytes(&raw)
                    .map_err(|e| bad(&e.to_string()))?,
            };
            spki.to_der().map_err(|e| bad(&e.to_string()))
        }
        _ => Err(bad("neither an RSA nor an EC public key")),
    }
}

/// The public-key object of a private key: same label, else same CKA_ID.
fn public_object(
    session: &Session,
    loc: &Location,
    private: ObjectHandle,
) -> Result<ObjectHandle, BackendError> {
    let by_label = objects(
        session,
        ObjectClass::PUBLIC_KEY,
        Attribute::Label(loc.key_label.as_bytes().to_vec()),
    )?;
    if let [one] = by_label.as_slice() {
        return Ok(*one);
    }
    let id = session
        .get_attributes(private, &[AttributeType::Id])
        .ok()
        .and_then(|a| {
            a.into_iter().find_map(|a| match a {
                Attribute::Id(id) if !id.is_empty() => Some(id),
                _ => None,
            })
        });
    if let Some(id) = id
        && let [one] = objects(session, ObjectClass::PUBLIC_KEY, Attribute::Id(id))?.as_slice()
    {
        return Ok(*one);
    }
    Err(BackendError::Key(format!(
        "token {:?}: no single public key object labelled {:?} or with the private key's CKA_ID \
         (sakr reads the public half from it)",
        loc.token_label, loc.key_label
    )))
}

pub fn open(loc: &Location) -> Result<Opened, BackendError> {
    let session = session(loc, false)?;
    let private = match objects(
        &session,
        ObjectClass::PRIVATE_KEY,
        Attribute::Label(loc.key_label.as_bytes().to_vec()),
    )?
    .as_slice()
    {
        [one] => *one,
        [] => {
            return Err(BackendError::Key(format!(
                "token {:?}: no private key labelled {:?}",
                loc.token_label, loc.key_label
            )));
        }
        more => {
            return Err(BackendError::Key(format!(
                "token {:?}: {} private keys labelled {:?}; labels must pick one key",
                loc.token_label,
                more.len(),
                loc.key_label
            )));
        }
    };
    let public = public_object(&session, loc, private)?;
    let der = spki_of(&session, public)?;
    let public = super::public_from_spki(&der)
        .map_err(|e| BackendError::Key(format!("the public key object: {e}")))?;
    let kind = match &public {
        PublicKey::Rsa(_) => Kind::Rsa,
        PublicKey::P256(_) => Kind::Ec(&aws_lc_rs::digest::SHA256, 64),
        PublicKey::P384(_) => Kind::Ec(&aws_lc_rs::digest::SHA384, 96),
        PublicKey::P521(_) => Kind::Ec(&aws_lc_rs::digest::SHA512, 132),
    };
    let key = Pkcs11Key {
        session: Mutex::new(session),
        key: private,
        kind,
        label: loc.key_label.clone(),
    };
    // One signature now, checked against the public half: a private key whose public object
    // does not match (a label reused on the token) is refused before it signs a token.
    let probe = b"sakr signer: key check";
    let sig = key.sign(probe)?;
    if !crate::token::verify_signature(&public, probe, &sig) {
        return Err(BackendError::Key(format!(
            "token {:?}: the private key labelled {:?} does not match its public key object",
            loc.token_label, loc.key_label
        )));
    }
    Ok(Opened {
        public,
        backend: Backend::Pkcs11(key),
        source: loc.describe(),
    })
}

impl Pkcs11Key {
    pub fn sign(&self, input: &[u8]) -> Result<Vec<u8>, BackendError> {
        let session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let fail = |e: CkError| {
            BackendError::Service(ck(&format!("signing with key {:?}", self.label), &e))
        };
        match self.kind {
            Kind::Rsa => session
                .sign(&Mechanism::Sha256RsaPkcs, self.key, input)
                .map_err(fail),
            Kind::Ec(digest, len) => {
                let d = aws_lc_rs::digest::digest(digest, input);
                let sig = session
                    .sign(&Mechanism::Ecdsa, self.key, d.as_ref())
                    .map_err(fail)?;
                if sig.len() != len {
                    return Err(BackendError::Service(format!(
                        "signing with key {:?}: the token returned a {}-byte ECDSA signature, not the {len}-byte r||s",
                        self.label,
                        sig.len()
                    )));
                }
                Ok(sig)
            }
        }
    }
}

/// Generate a key pair on the token: the private key a sensitive, never extractable token
/// object labelled `key_label`, the public key a token object with the same label and CKA_ID.
pub fn generate(loc: &Location, alg: Algorithm) -> Result<(), BackendError> {
    let session = session(loc, true)?;
    if !objects(
        &session,
        ObjectClass::PRIVATE_KEY,
        Attribute::Label(loc.key_label.as_bytes().to_vec()),
    )?
    .is_empty()
    {
        return Err(BackendError::Key(format!(
            "token {:?}: a private key labelled {:?} exists already",
            loc.token_label, loc.key_label
        )));
    }
    let mut id = [0u8; 16];
    aws_lc_rs::rand::fill(&mut id)
        .map_err(|_| BackendError::Service("no random bytes for CKA_ID".into()))?;
    let label = Attribute::Label(loc.key_label.as_bytes().to_vec());
    let mut public = vec![
        Attribute::Token(true),
        Attribute::Private(false),
        Attribute::Verify(true),
        label.clone(),
        Attribute::Id(id.to_vec()),
    ];
    let private = vec![
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Sign(true),
        label,
        Attribute::Id(id.to_vec()),
    ];
    let mechanism = match alg {
        Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => {
            let bits: u64 = match alg {
                Algorithm::Rsa2048 => 2048,
                Algorithm::Rsa3072 => 3072,
                _ => 4096,
            };
            public.push(Attribute::ModulusBits(bits.into()));
            public.push(Attribute::PublicExponent(vec![0x01, 0x00, 0x01]));
            Mechanism::RsaPkcsKeyPairGen
        }
        Algorithm::EcdsaP256 | Algorithm::EcdsaP384 | Algorithm::EcdsaP521 => {
            let params = match alg {
                Algorithm::EcdsaP256 => P256_PARAMS,
                Algorithm::EcdsaP384 => P384_PARAMS,
                _ => P521_PARAMS,
            };
            public.push(Attribute::EcParams(params.to_vec()));
            Mechanism::EccKeyPairGen
        }
    };
    session
        .generate_key_pair(&mechanism, &public, &private)
        .map_err(|e| {
            BackendError::Service(ck(
                &format!(
                    "token {:?}: generating a {} key",
                    loc.token_label,
                    alg.name()
                ),
                &e,
            ))
        })?;
    Ok(())
}
