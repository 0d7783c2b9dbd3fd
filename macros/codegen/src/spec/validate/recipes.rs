//! Checks of signing recipes: what each recipe says on its own, and what the place it
//! is used (request signature or verification) asks of it.

use super::Checker;
use crate::lower;
use crate::spec::model::*;
use paygen_protocol::{self as ir, AlgorithmKind};
use serde_saphyr::Spanned;

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

impl<'s> Checker<'s> {
    /// A recipe chosen by a credential: the credential exists, the choice is not empty,
    /// each chosen recipe exists, suits `used` and reads the same input as `default`
    /// (the recipe the other static checks read), which must be one of them.
    pub(super) fn recipe_choice(&mut self, choice: &RecipeChoice, default: &Name, used: Use) {
        match (&choice.credential, &choice.field) {
            (Some(credential), None) => self.credential(credential, "choose_by"),
            (None, Some(field)) if used == Use::Sign => self.choice_field(field),
            (None, Some(_)) => {}
            (Some(credential), Some(_)) => self.at(
                credential,
                "choose_by takes `credential` or `field`, not both",
            ),
            (None, None) => self.at(
                default,
                "choose_by needs `credential` (the merchant's setting) or `field` (a request field, or a received message's field)",
            ),
        }
        if let Some(first) = choice.by_signature_hex_length.values().next() {
            if choice.credential.is_some() {
                self.at(
                    first,
                    "`by_signature_hex_length` is the fallback of a received `field` choice; a credential is always there",
                );
            } else if used == Use::Sign {
                self.at(
                    first,
                    "`by_signature_hex_length` is the fallback of a received `field` choice; a request field left out chooses the signature's `recipe`",
                );
            }
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
        let by_field = choice.field.is_some() && choice.credential.is_none();
        for name in choice
            .recipes
            .values()
            .chain(choice.by_signature_hex_length.values())
        {
            let keyless = self
                .recipe(name)
                .is_some_and(|r| r.key.is_none() && r.verify_key.is_none());
            if by_field && keyless {
                self.at(
                    name,
                    format!(
                        "recipe `{}` has no key; a message may only choose keyed recipes, else anyone could sign with it",
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
            if let (Some(field), Use::Sign) = (&choice.field, used) {
                self.signs_choosing_field(recipe, name, field);
            }
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

    /// A request field that chooses the signing recipe: a top-level field of every signed
    /// operation (a common field outside the payload, or with an inline payload a
    /// business field), so that the client has it to read and the provider's side too.
    fn choice_field(&mut self, field: &Name) {
        let request = &self.spec.protocol.request;
        let payload_field = matches!(request.payload, Payload::Field(_));
        let top_common =
            |c: &CommonField| c.name.value == field.value && !(payload_field && c.in_payload);
        if request.common.iter().any(top_common) {
            return;
        }
        let missing: Vec<&str> = (self.spec.operations.iter())
            .filter(|op| op.signed)
            .filter(|op| {
                !op.common.iter().any(top_common)
                    && (payload_field || !op.request.iter().any(|f| f.name.value == field.value))
            })
            .map(|op| op.name.value.as_str())
            .collect();
        if !missing.is_empty() {
            self.at(
                field,
                format!(
                    "choose_by names field `{}`, which is not a top-level request field of {}; expected a common field outside the payload{}",
                    field.value,
                    super::list(missing.into_iter()),
                    if payload_field { "" } else { " or a field of every signed operation" },
                ),
            );
        }
    }

    /// A recipe a request field chooses signs that field in a canonical string, so that
    /// changing or dropping it breaks the signature.
    fn signs_choosing_field(&mut self, recipe: &SignatureRecipe, name: &Name, field: &Name) {
        let covered = recipe.input == SignInput::Canonical
            && recipe.canonical.as_ref().is_none_or(|c| {
                let listed = |names: &[Name]| names.iter().any(|n| n.value == field.value);
                (c.order.is_empty() || listed(&c.order))
                    && (c.include.is_empty() || listed(&c.include))
                    && !c.exclude.contains(&field.value)
            });
        if !covered {
            self.at(
                name,
                format!(
                    "recipe `{}` does not sign field `{}`; a recipe a request field chooses must sign that field in a canonical string",
                    name.value, field.value
                ),
            );
        }
    }

    /// A check's header of auth parameters (`header_template`): the template has that
    /// shape, each placeholder is the signature, the timestamp, the nonce or a credential
    /// that is not secret, and every `header_param` part of the check's recipes reads one
    /// of its parameters.
    pub(super) fn header_params(&mut self, check: &Verification) {
        let template = check.header_template.as_ref();
        if let (Some(template), None) = (template, &check.header) {
            self.at(
                template,
                "`header_template` reads the signature header; give its name in `header`",
            );
        }
        let params = template.and_then(|t| match ir::ParamTemplate::parse(&t.value) {
            Ok(params) => Some((t, params)),
            Err(why) => {
                self.at(t, format!("header template: {why}"));
                None
            }
        });
        if let Some((t, params)) = &params {
            for slot in &params.params {
                let credential = self
                    .spec
                    .credentials
                    .iter()
                    .find(|c| c.name.value == slot.placeholder);
                let known = matches!(slot.placeholder, "signature" | "timestamp" | "nonce");
                match credential {
                    Some(c) if c.secret => self.at(
                        *t,
                        format!("header template puts secret credential `{{{}}}` in parameter `{}`; a header is sent in the clear", slot.placeholder, slot.name),
                    ),
                    None if !known => self.at(
                        *t,
                        format!("header template names `{{{}}}`, which is neither `{{signature}}`, `{{timestamp}}`, `{{nonce}}` nor a credential", slot.placeholder),
                    ),
                    _ => {}
                }
            }
        }
        for (reference, recipe) in self.check_recipes(check) {
            let mut all = Vec::new();
            for part in recipe.template.iter().flat_map(|t| t.parts.iter()) {
                part.walk(&mut |p| all.push(p));
            }
            for part in all {
                let TemplatePart::HeaderParam(part) = part else {
                    continue;
                };
                let problem = match (&check.header, &params) {
                    (Some(header), Some((_, params)))
                        if header.eq_ignore_ascii_case(&part.header) =>
                    {
                        (!params.params.iter().any(|p| p.name == part.param)).then(|| {
                            let known = super::list(params.params.iter().map(|p| p.name));
                            format!("parameter `{}` is not one of the header template's; expected one of {known}", part.param)
                        })
                    }
                    _ => Some(format!(
                        "this check reads no header `{}` of auth parameters (`header` with a `header_template`)",
                        part.header
                    )),
                };
                if let Some(problem) = problem {
                    self.at(
                        reference,
                        format!("recipe `{}` reads `header_param: {{ header: {}, param: {} }}`, but {problem}", reference.value, part.header, part.param),
                    );
                }
            }
        }
    }

    /// The recipes a check may verify with, its own and every one its choice can pick,
    /// each with the name that references it; an unknown name is left out (it is
    /// reported where it is named).
    pub(super) fn check_recipes<'c>(
        &self,
        check: &'c Verification,
    ) -> Vec<(&'c Name, &'s SignatureRecipe)> {
        let mut names = vec![&check.recipe];
        if let Some(choice) = &check.choose_by {
            names.extend(choice.recipes.values());
            names.extend(choice.by_signature_hex_length.values());
        }
        let spec = self.spec;
        names
            .into_iter()
            .filter_map(|name| {
                let recipe = spec
                    .signatures
                    .iter()
                    .find(|r| r.name.value == name.value)?;
                Some((name, recipe))
            })
            .collect()
    }

    /// What a recipe must say on its own; a recipe whose steps all have their output is
    /// lowered.
    pub(super) fn recipe_alone(&mut self, recipe: &SignatureRecipe) {
        let name = recipe.name.value.as_str();
        if let Some(key) = &recipe.key {
            self.credential(&key.credential, "signature key");
        }
        if let Some(key) = &recipe.verify_key {
            self.verify_key(recipe, key);
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
            let _ = self.unique("field", " in `canonical.include`", canonical.include.iter());
            self.canonical_scope(recipe, canonical);
        }
        if let Some(digests) = self.steps(recipe) {
            let lowered = || lower::recipe(recipe, digests);
            self.recipes.entry(name.to_owned()).or_insert_with(lowered);
        }
    }

    /// `order` fixes the fields and their order, so it leaves nothing for `sort: value`
    /// or `include` to say; a secret placed as a sorted field must be one of the fields
    /// signed, or it would silently drop out of the string.
    fn canonical_scope(&mut self, recipe: &SignatureRecipe, canonical: &Canonical) {
        let name = recipe.name.value.as_str();
        if !canonical.order.is_empty() {
            if let Some(sort) = canonical
                .sort
                .as_ref()
                .filter(|s| s.value == CanonicalSort::Value)
            {
                self.at(
                    sort,
                    format!("recipe `{name}`: `sort: value` and `order` both say the order; a documented `order` is fixed, so drop one"),
                );
            }
            if let Some(included) = canonical.include.first() {
                self.at(
                    included,
                    format!("recipe `{name}`: `include` and `order` both list the fields; `order` already signs only its fields"),
                );
            }
        }
        let placed = recipe.key.as_ref().and_then(|k| match &k.placement {
            Some(KeyPlace::SortedField(field)) => Some((&k.credential, field.as_str())),
            _ => None,
        });
        if let Some((credential, field)) = placed {
            let listed =
                |names: &[Name]| names.is_empty() || names.iter().any(|n| n.value == field);
            if !listed(&canonical.order) || !listed(&canonical.include) {
                self.at(
                    credential,
                    format!("recipe `{name}`: the key's sorted field `{field}` is not among the fields `order`/`include` sign, so the key would not be in the string"),
                );
            }
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
        let mut all = Vec::new();
        for part in parts {
            part.walk(&mut |p| all.push(p));
        }
        for part in all {
            match part {
                TemplatePart::Credential(credential) if self.spec.key_sets().contains(&**credential) => self.at(
                    &recipe.name,
                    format!("recipe `{name}`: template part `credential: {credential}` names a key set (the `credential` of a `by_serial` verify key), which has no one value"),
                ),
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
                TemplatePart::BodyDigest(algorithm)
                | TemplatePart::Digest(ir::PartDigest {
                    hash: algorithm, ..
                }) if algorithm.kind() != AlgorithmKind::Hash => {
                    self.at(
                        &recipe.name,
                        format!("recipe `{name}`: a digest part needs a plain hash (md5, sha1, sha256, sha512, sm3), not `{}`", algorithm.name()),
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
                key_place(key).unwrap_or(&recipe.name),
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
        if used == Use::Verify {
            self.verified.insert(name.to_owned());
        }
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
        if used == Use::Verify {
            self.values_by_value_use(recipe, reference);
        }
    }

    /// Values alone, ordered by value, say which values were signed but not which field
    /// held each: a received message whose fields swap values signs the same string. So
    /// such a recipe verifies only a fixed set (`include`) of at most one field besides
    /// the key, whose one reading is the received one.
    fn values_by_value_use(&mut self, recipe: &SignatureRecipe, reference: &Name) {
        let name = recipe.name.value.as_str();
        let Some(canonical) = &recipe.canonical else {
            return;
        };
        let by_value = canonical
            .sort
            .as_ref()
            .is_some_and(|s| s.value == CanonicalSort::Value);
        if !by_value || canonical.form != CanonicalForm::Values {
            return;
        }
        let secret = recipe.key.as_ref().and_then(|k| match &k.placement {
            Some(KeyPlace::SortedField(field)) => Some(field.as_str()),
            _ => None,
        });
        let fields = canonical
            .include
            .iter()
            .filter(|n| Some(n.value.as_str()) != secret)
            .count();
        if canonical.include.is_empty() || fields > 1 {
            self.at(
                reference,
                format!("recipe `{name}` signs values alone ordered by value, which does not say which field holds which value: a received message whose fields swap values verifies too. It can sign requests, but verifies only with `include` listing at most one field besides the key"),
            );
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
        let mut all = Vec::new();
        for part in &template.parts {
            part.walk(&mut |p| all.push(p));
        }
        let covers_body = all
            .iter()
            .any(|p| matches!(p, TemplatePart::Body | TemplatePart::BodyDigest(_)));
        match used {
            Use::Verify => {
                let request_only = all.iter().find(|p| {
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
                if let Some(TemplatePart::HeaderParam(p)) = all
                    .iter()
                    .find(|p| matches!(p, TemplatePart::HeaderParam(_)))
                {
                    self.at(
                        reference,
                        format!("recipe `{name}` signs a request, but its part `header_param: {{ header: {}, param: {} }}` reads a received header of auth parameters; a request's template writes `timestamp` and `nonce` into its header instead", p.header, p.param),
                    );
                }
                let sent = &self.spec.protocol.request.headers;
                for part in &all {
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

    /// A verify key names one source: a credential (one key or certificate), a key set
    /// with `by_serial`, or a carried `certificate` with its `roots`; and only the
    /// settings of that source.
    fn verify_key(&mut self, recipe: &SignatureRecipe, key: &VerifyKey) {
        let name = recipe.name.value.as_str();
        let at = key_place(key).unwrap_or(&recipe.name);
        if let Some(from) = &key.certificate {
            let place = from.name();
            if let CertificateFrom::Header(header) = from {
                self.header_name(recipe, header);
            }
            if let Some(credential) = &key.credential {
                self.at(
                    credential,
                    format!("recipe `{name}`: a carried `certificate` is the key; `credential` names another one (the trusted roots go in `roots`)"),
                );
            }
            if let Some(by) = &key.by_serial {
                self.at(
                    &by.header,
                    format!("recipe `{name}`: `by_serial` chooses among configured keys; a carried `certificate` is chosen by the message"),
                );
            }
            match &key.roots {
                None => self.at(
                    place,
                    format!("recipe `{name}`: the carried certificate in `{}` has no `roots`; name the credential holding the trusted root certificates, or anyone's certificate would verify", place.value),
                ),
                Some(roots) => self.credential(roots, "verify key roots"),
            }
            if let Some(intermediates) = &key.intermediates {
                self.credential(intermediates, "verify key intermediates");
            }
            if let Some(cn) = key
                .subject_cn
                .as_ref()
                .filter(|cn| cn.value.trim().is_empty())
            {
                self.at(cn, format!("recipe `{name}`: `subject_cn` is empty"));
            }
            if let Some(pair) = &key.pair {
                self.at(
                    pair,
                    format!("recipe `{name}`: `pair` names the private half of one configured key; a carried certificate's key is the provider's to choose"),
                );
            }
            return;
        }
        let misplaced = [
            key.roots.as_ref().map(|n| (n, "roots")),
            key.intermediates.as_ref().map(|n| (n, "intermediates")),
            key.subject_cn.as_ref().map(|n| (n, "subject_cn")),
        ];
        for (place, setting) in misplaced.into_iter().flatten() {
            self.at(
                place,
                format!("recipe `{name}`: `{setting}` belongs to a carried `certificate`, which this verify key does not name"),
            );
        }
        let Some(credential) = &key.credential else {
            self.at(
                at,
                format!("recipe `{name}`: `verify_key` names no `credential` (a public key or certificate, or with `by_serial` a key set) and no carried `certificate`"),
            );
            return;
        };
        match &key.by_serial {
            None => self.credential(credential, "verify key"),
            Some(by) => {
                // The key set's own reference is the one place it may be named.
                if !self
                    .spec
                    .credentials
                    .iter()
                    .any(|c| c.name.value == credential.value)
                {
                    let known =
                        super::list(self.spec.credentials.iter().map(|c| c.name.value.as_str()));
                    self.at(
                        credential,
                        format!("verify key names credential `{}`, which is not defined; expected one of {known}", credential.value),
                    );
                }
                // `pair` is allowed: the private half of the one key of the set that the
                // provider's side (the sandbox) signs with and names by its serial.
                self.header_name(recipe, &by.header);
            }
        }
    }

    fn header_name(&mut self, recipe: &SignatureRecipe, header: &Spanned<String>) {
        if header.value.is_empty()
            || !header
                .value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        {
            self.at(
                header,
                format!(
                    "recipe `{}`: `{}` is not an HTTP header name",
                    recipe.name.value, header.value
                ),
            );
        }
    }

    /// A verify key chosen by a received header (a serial, a carried certificate) needs
    /// its recipe to verify something: a recipe that only signs requests never
    /// receives the header.
    pub(super) fn received_key_headers(&mut self) {
        let spec = self.spec;
        for recipe in &spec.signatures {
            let Some(key) = &recipe.verify_key else {
                continue;
            };
            let header = match (&key.by_serial, &key.certificate) {
                (Some(by), _) => &by.header,
                (None, Some(CertificateFrom::Header(header))) => header,
                _ => continue,
            };
            if !self.verified.contains(&recipe.name.value) {
                self.at(
                    header,
                    format!(
                        "recipe `{}` reads its verify key from header `{}`, but no reply or notification is verified with it, so the header is never received",
                        recipe.name.value, header.value
                    ),
                );
            }
        }
    }
}

/// Where a verify key is written, for its errors: its first named setting.
fn key_place(key: &VerifyKey) -> Option<&Spanned<String>> {
    key.credential
        .as_ref()
        .or(key.by_serial.as_ref().map(|b| &b.header))
        .or(key.certificate.as_ref().map(CertificateFrom::name))
        .or(key.roots.as_ref())
}
