//! The provider's half of a recipe: the check a request is verified with, and the key
//! role that decides which credential signs or verifies.

use paygen_protocol::{AlgorithmKind, Recipe, UnsignedFields, Verification, VerifyKey};
use std::borrow::Cow;

use super::ServerError;

/// The check of a request's signature: the request recipe, every field covered.
pub(super) fn request_check(recipe: &Recipe, field: paygen_protocol::Text) -> Verification {
    Verification {
        recipe: recipe.clone(),
        choose_by: None,
        field,
        scope: None,
        header: None,
        header_template: None,
        unsigned_error_when: Cow::Borrowed(&[]),
        unsigned_fields: UnsignedFields::Reject,
        freshness: None,
        nonce: None,
    }
}

/// What the provider's side does with a signature (RSA, SM2) recipe's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyRole {
    /// Verify what the merchant signed with its private key.
    Verify,
    /// Sign what the merchant verifies with the provider's public key.
    Sign,
}

/// The recipe as the provider's side runs it. Digests and HMACs use the shared key
/// unchanged; a signature recipe's roles swap to the other half of each key pair, as the
/// spec names it (`key: { credential: app_private_key, pair: app_public_key }`): the
/// provider verifies what the merchant signed with the merchant key's public half, and
/// signs what the merchant verifies with the verify key's private half.
pub(super) fn provider_recipe(
    recipe: &Recipe,
    role: KeyRole,
) -> Result<Cow<'_, Recipe>, ServerError> {
    if !recipe.has_step(AlgorithmKind::PublicKey) {
        return Ok(Cow::Borrowed(recipe));
    }
    let (merchant_key, pair) = match (role, &recipe.verify_key) {
        (KeyRole::Sign, Some(VerifyKey::Credential(verify_key))) => {
            (Some(verify_key), recipe.verify_key_pair.as_ref())
        }
        // Of a key set the provider's side signs with the one key `pair` names; the
        // serial it sends with the message (the sandbox's `signature_headers`) names it.
        (KeyRole::Sign, Some(VerifyKey::BySerial { credential, .. })) => {
            (Some(credential), recipe.verify_key_pair.as_ref())
        }
        // The provider's side of a carried certificate would send a certificate chained
        // to the merchant's roots; the sandbox has none.
        (KeyRole::Sign, Some(VerifyKey::Carried(_))) => {
            return Err(ServerError::Unsupported(
                "a verify key carried in a certificate".into(),
            ))
        }
        _ => (recipe.key_credential.as_ref(), recipe.key_pair.as_ref()),
    };
    let Some(merchant_key) = merchant_key else {
        return Err(ServerError::Unsupported(
            "a signature recipe without a key credential".into(),
        ));
    };
    let Some(own) = pair.cloned() else {
        return Err(ServerError::Unsupported(format!(
            "key credential `{merchant_key}` names no `pair`, so the provider's side \
             cannot hold the other half of its key pair"
        )));
    };
    let mut swapped = recipe.clone();
    // The key is never placed in a signature recipe's string to sign (validation), so moving
    // it between the two roles changes nothing but which key signs or verifies.
    match role {
        KeyRole::Verify => {
            swapped.key_credential = None;
            swapped.verify_key = Some(VerifyKey::Credential(own));
        }
        KeyRole::Sign => {
            swapped.key_credential = Some(own);
            swapped.verify_key = None;
        }
    }
    Ok(Cow::Owned(swapped))
}
