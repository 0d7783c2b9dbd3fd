//! Checks of signing recipes: what each recipe says on its own, and what the place it
//! is used (request signature or verification) asks of it.

use super::Checker;
use crate::lower;
use crate::spec::model::*;
use paygen_protocol::{self as ir, AlgorithmKind};

/// Where a recipe is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Use {
    /// Signing requests.
    Sign,
    /// Checking received responses or notifications.
    Verify,
}

fn is_hmac(algorithm: DigestAlgorithm) -> bool {
    algorithm.kind() == AlgorithmKind::Hmac
}

/// A public-key signature (RSA, SM2): a private key signs, a public key verifies.
fn is_signature(algorithm: DigestAlgorithm) -> bool {
    algorithm.kind() == AlgorithmKind::PublicKey
}

impl Checker<'_> {
    /// A recipe chosen by a credential: the credential exists, the choice is not empty,
    /// each chosen recipe exists, suits `used` and reads the same input as `default`
    /// (the recipe the other static checks read), which must be one of them.
    pub(super) fn recipe_choice(&mut self, choice: &RecipeChoice, default: &Name, used: Use) {
        match (&choice.credential, &choice.field) {
            (Some(credential), None) => self.credential(credential, "choose_by"),
            (None, Some(field)) if used == Use::Sign => self.at(
                field,
                "choose_by `field` reads a received message; a request signature is chosen by a `credential`",
            ),
            (None, Some(_)) => {}
            (Some(credential), Some(_)) => self.at(
                credential,
                "choose_by takes `credential` or `field`, not both",
            ),
            (None, None) => self.at(
                default,
                "choose_by needs `credential` (the merchant's setting) or `field` (a received field)",
            ),
        }
        if let (Some(credential), Some(_)) = (
            &choice.credential,
            choice.by_signature_hex_length.values().next(),
        ) {
            self.at(
                credential,
                "`by_signature_hex_length` is the fallback of a `field` choice; a credential is always there",
            );
        }
        if choice.recipes.is_empty() {
            let place = choice
                .credential
                .as_ref()
                .or(choice.field.as_ref())
                .unwrap_or(default);
            self.at(
                place,
                "choose_by has no `recipes`; expected at least one value: recipe",
            );
            return;
        }
        // A message that chooses its own recipe must never choose one without a key.
        let received = choice.field.is_some();
        for name in choice
            .recipes
            .values()
            .chain(choice.by_signature_hex_length.values())
        {
            let keyless = self
                .recipe(name)
                .is_some_and(|r| r.key.is_none() && r.verify_key.is_none());
            if received && keyless {
                self.at(
                    name,
                    format!(
                        "recipe `{}` has no key; a received message may only choose keyed recipes",
                        name.value
                    ),
                );
            }
        }
        for name in choice.by_signature_hex_length.values() {
            if !choice.recipes.values().any(|n| n.value == name.value) {
                self.at(
                    name,
                    format!("recipe `{}` is not one of choose_by's recipes", name.value),
                );
            }
        }
        // Unknown, `default` is reported where the signature's own recipe is checked.
        let input = self
            .spec
            .signatures
            .iter()
            .find(|r| r.name.value == default.value)
            .map(|r| r.input);
        for name in choice.recipes.values() {
            let Some(recipe) = self.recipe(name) else {
                continue;
            };
            self.recipe_use(recipe, name, used);
            if input.is_some_and(|input| input != recipe.input) {
                self.at(
                    name,
                    format!(
                        "recipe `{}` signs another input than `{}`; the recipes of a choice must sign the same input",
                        name.value, default.value
                    ),
                );
            }
        }
        if !choice.recipes.values().any(|n| n.value == default.value) {
            let known = super::list(choice.recipes.values().map(|n| n.value.as_str()));
            self.at(
                default,
                format!(
                    "recipe `{}` is not one of choose_by's recipes; expected one of {known}",
                    default.value
                ),
            );
        }
    }

    /// What a recipe must say on its own; a recipe whose steps all have their output is
    /// lowered.
    pub(super) fn recipe_alone(&mut self, recipe: &SignatureRecipe) {
        let name = recipe.name.value.as_str();
        if let Some(key) = &recipe.key {
            self.credential(&key.credential, "signature key");
        }
        if let Some(key) = &recipe.verify_key {
            self.credential(&key.credential, "verify key");
        }
        if recipe.digests.is_empty() {
            self.at(
                &recipe.name,
                format!("recipe `{name}` has no digests; expected at least one step"),
            );
        }
        let placement = recipe.key.as_ref().and_then(|k| k.placement.as_ref());
        if matches!(placement, Some(KeyPlace::SortedField(_)))
            && recipe.input != SignInput::Canonical
        {
            self.at(
                &recipe.name,
                format!("recipe `{name}`: a sorted-field key needs `input: canonical`"),
            );
        }
        if recipe.canonical.is_some() && recipe.input != SignInput::Canonical {
            self.at(
                &recipe.name,
                format!("recipe `{name}` has `canonical` rules but its input is not canonical"),
            );
        }
        self.template_rules(recipe);
        if let Some(canonical) = &recipe.canonical {
            let _ = self.unique("field", " in `canonical.order`", canonical.order.iter());
        }
        if let Some(digests) = self.steps(recipe) {
            let lowered = || lower::recipe(recipe, digests);
            self.recipes.entry(name.to_owned()).or_insert_with(lowered);
        }
    }

    fn template_rules(&mut self, recipe: &SignatureRecipe) {
        let name = recipe.name.value.as_str();
        match (&recipe.template, recipe.input) {
            (None, SignInput::Template) => self.at(
                &recipe.name,
                format!("recipe `{name}` has `input: template` but no `template`"),
            ),
            (Some(_), input) if input != SignInput::Template => self.at(
                &recipe.name,
                format!("recipe `{name}` has a `template` but its input is not `template`"),
            ),
            (Some(template), _) if template.parts.is_empty() => self.at(
                &recipe.name,
                format!("recipe `{name}`: `template.parts` is empty"),
            ),
            (Some(template), _) => self.template_parts(recipe, &template.parts),
            _ => {}
        }
    }

    /// Each part names what exists: a credential that is not a secret (the string to
    /// sign is shown in explanations), a hash for a body digest, a header by its name.
    fn template_parts(&mut self, recipe: &SignatureRecipe, parts: &[TemplatePart]) {
        let name = recipe.name.value.as_str();
        for part in parts {
            match part {
                TemplatePart::Credential(credential) => {
                    match self.spec.credentials.iter().find(|c| c.name.value == **credential) {
                        None => self.at(
                            &recipe.name,
                            format!("recipe `{name}`: template part `credential: {credential}` names no credential of the spec"),
                        ),
                        Some(c) if c.secret => self.at(
                            &recipe.name,
                            format!("recipe `{name}`: credential `{credential}` is a secret; a template part would show it in every explanation of the string to sign"),
                        ),
                        Some(_) => {}
                    }
                }
                TemplatePart::BodyDigest(algorithm) if algorithm.kind() != AlgorithmKind::Hash => {
                    self.at(
                        &recipe.name,
                        format!("recipe `{name}`: `body_digest: {}` needs a plain hash (md5, sha1, sha256, sha512, sm3)", algorithm.name()),
                    );
                }
                TemplatePart::Header(header)
                    if header.is_empty() || header.contains(['\r', '\n', ':']) =>
                {
                    self.at(
                        &recipe.name,
                        format!("recipe `{name}`: `{header}` is not an HTTP header name"),
                    );
                }
                _ => {}
            }
        }
    }

    /// The digest chain: outputs, keys, and where a signature step may stand. The
    /// steps, when each has exactly one output.
    fn steps(&mut self, recipe: &SignatureRecipe) -> Option<Vec<ir::DigestStep>> {
        let name = recipe.name.value.as_str();
        let last = recipe.digests.len().saturating_sub(1);
        let mut keyed = false;
        let mut steps = Vec::new();
        for (index, step) in recipe.digests.iter().enumerate() {
            let algorithm = step.algorithm.value;
            let at = &step.algorithm;
            let text = match (step.hex, step.base64) {
                (Some(case), false) => Some(ir::TextEncoding::Hex(case)),
                (None, true) => Some(ir::TextEncoding::Base64 {
                    alphabet: step.alphabet.unwrap_or_default(),
                    padded: step.padding.unwrap_or(true),
                }),
                (Some(_), true) => {
                    self.at(at, "a step writes `hex` or `base64: true`, not both");
                    None
                }
                (None, false) => {
                    self.at(
                        at,
                        "a step needs its output: `hex: lower`, `hex: upper` or `base64: true`",
                    );
                    None
                }
            };
            if !step.base64 && (step.alphabet.is_some() || step.padding.is_some()) {
                self.at(
                    at,
                    "`alphabet` and `padding` choose a base64 output; this step writes no `base64: true`",
                );
            }
            let sm2 = algorithm.scheme() == Some(ir::SignatureScheme::Sm2);
            if step.signature_form.is_some() && !sm2 {
                self.at(
                    at,
                    format!("`signature_form` chooses the bytes of an SM2 signature (`sm2_sm3`); `{}` has one form", algorithm.name()),
                );
            }
            let output = text.map(|text| {
                ir::DigestOutput::from_form(ir::OutputForm {
                    text,
                    signature: step.signature_form.unwrap_or_default(),
                })
            });
            steps.push(output.map(|output| ir::DigestStep { algorithm, output }));
            if step.base64 && index < last {
                self.at(
                    at,
                    format!("recipe `{name}`: a base64 step must be the last; the next step would hash base64 text, which no provider does"),
                );
            }
            if is_hmac(algorithm) || is_signature(algorithm) {
                keyed = true;
                if recipe.key.is_none() && (is_hmac(algorithm) || recipe.verify_key.is_none()) {
                    self.at(
                        at,
                        format!("recipe `{name}`: step `{}` needs the recipe's `key: {{ credential: ... }}`", algorithm.name()),
                    );
                }
            }
            if is_signature(algorithm) && index < last {
                self.at(
                    at,
                    format!(
                        "recipe `{name}`: a signature (`{}`) must be the last step",
                        algorithm.name()
                    ),
                );
            }
        }
        let signed = recipe
            .digests
            .iter()
            .any(|s| is_signature(s.algorithm.value));
        if let Some(key) = &recipe.key {
            if signed && key.placement.is_some() {
                self.at(
                    &key.credential,
                    format!("recipe `{name}`: a private key (RSA, SM2) is never part of the string to sign; remove `placement`"),
                );
            }
            if key.placement.is_none() && !keyed {
                self.at(
                    &key.credential,
                    format!("recipe `{name}`: the key has no `placement` and no HMAC or signature step uses it"),
                );
            }
        }
        if let (Some(key), false) = (&recipe.verify_key, signed) {
            self.at(
                &key.credential,
                format!("recipe `{name}`: `verify_key` is for signature recipes (RSA, SM2); HMACs and digests verify with `key`"),
            );
        }
        let pairs = recipe.key.iter().filter_map(|k| k.pair.as_ref());
        let pairs = pairs.chain(recipe.verify_key.iter().filter_map(|k| k.pair.as_ref()));
        for pair in pairs.collect::<Vec<_>>() {
            if !signed {
                self.at(
                    pair,
                    format!("recipe `{name}`: `pair` names the other half of a key pair (RSA, SM2); this recipe has no signature step"),
                );
            }
            if self
                .spec
                .credentials
                .iter()
                .any(|c| c.name.value == pair.value)
            {
                self.at(
                    pair,
                    format!("recipe `{name}`: `pair` `{}` is the provider's half of the key pair, not a merchant credential", pair.value),
                );
            }
        }
        steps.into_iter().collect()
    }

    /// What using `recipe` at `reference` asks of it.
    pub(super) fn recipe_use(&mut self, recipe: &SignatureRecipe, reference: &Name, used: Use) {
        let name = recipe.name.value.as_str();
        let signature = recipe
            .digests
            .iter()
            .map(|s| s.algorithm.value)
            .find(|a| is_signature(*a));
        match (used, signature) {
            (Use::Sign, Some(algorithm)) if recipe.key.is_none() => self.at(
                reference,
                format!("recipe `{name}` signs requests with `{}` but names no private `key`", algorithm.name()),
            ),
            (Use::Verify, Some(algorithm)) if recipe.verify_key.is_none() => self.at(
                reference,
                format!("recipe `{name}` verifies `{}` signatures but names no `verify_key` (the provider's public key)", algorithm.name()),
            ),
            _ => {}
        }
        let keyless = self.recipes.get(name).is_some_and(ir::Recipe::is_keyless);
        if used == Use::Verify && keyless {
            self.warn_at(
                reference,
                format!("recipe `{name}` has no key: anyone can compute it, so a received message it matches is a checksum (Authenticity::Checksum), never verified"),
            );
        }
        let unreadable = self
            .recipes
            .get(name)
            .is_some_and(|r| r.input == ir::SignInput::Canonical && r.canonical.join.is_empty());
        if used == Use::Verify && unreadable {
            self.warn_at(
                reference,
                format!("recipe `{name}` joins its values with nothing: the signed string cannot be read back into fields, so another split of the same text verifies too; only each field's declared format (type, length) on receipt limits the splits"),
            );
        }
        if let (Some(template), SignInput::Template) = (&recipe.template, recipe.input) {
            self.template_use(recipe, template, reference, used);
        }
    }

    /// A template verifies only from what a received message has, and must cover its
    /// body; a request template's header parts read headers the request sends.
    fn template_use(
        &mut self,
        recipe: &SignatureRecipe,
        template: &TemplateSpec,
        reference: &Name,
        used: Use,
    ) {
        let name = recipe.name.value.as_str();
        let covers_body = template
            .parts
            .iter()
            .any(|p| matches!(p, TemplatePart::Body | TemplatePart::BodyDigest(_)));
        match used {
            Use::Verify => {
                let request_only = template.parts.iter().find(|p| {
                    matches!(
                        p,
                        TemplatePart::Method
                            | TemplatePart::Path
                            | TemplatePart::Timestamp(_)
                            | TemplatePart::Nonce(_)
                    )
                });
                if let Some(part) = request_only {
                    self.at(
                        reference,
                        format!("recipe `{name}` verifies a received message, but its template part {part:?} exists only when signing a request; a received message gives literal, credential, header, body and body_digest parts"),
                    );
                }
                if !covers_body {
                    self.at(
                        reference,
                        format!("recipe `{name}` verifies a received message, but its template has no `body` or `body_digest` part: the message's fields would not be signed"),
                    );
                }
            }
            Use::Sign => {
                let sent = &self.spec.protocol.request.headers;
                for part in &template.parts {
                    let TemplatePart::Header(header) = part else {
                        continue;
                    };
                    let constant = sent
                        .iter()
                        .any(|h| h.name.value.eq_ignore_ascii_case(header));
                    if !constant && !header.eq_ignore_ascii_case("Content-Type") {
                        self.at(
                            reference,
                            format!("recipe `{name}` signs header `{header}`, which the request never sends; declare it under `request.headers`"),
                        );
                    }
                }
            }
        }
    }
}
