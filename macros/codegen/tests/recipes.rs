//! Signing recipe validation: each rule, with the line and column it reports.

use paygen_codegen::parse_str;

const BASE: &str = include_str!("../../../tests/tests/ui/specs/base.yaml");

const RECIPE: &str = r#"    key: { credential: key, placement: { append: "&key=" } }
    digests:
      - { algorithm: md5, hex: upper }"#;

/// The errors of `BASE` with its recipe's key and digests replaced by `recipe`, and
/// then each `(old, new)` replacement, as `line:column: message`.
fn errors_with(recipe: &str, replacements: &[(&str, &str)]) -> Vec<String> {
    assert!(BASE.contains(RECIPE));
    let mut text = BASE.replacen(RECIPE, recipe, 1);
    for (old, new) in replacements {
        assert!(text.contains(old), "{old}");
        text = text.replacen(old, new, 1);
    }
    match parse_str(&text, "x.yaml") {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .0
            .iter()
            .map(|e| format!("{}:{}: {}", e.line, e.column, e.message))
            .collect(),
    }
}

/// Adds a public key credential.
const PUBLIC_KEY: (&str, &str) = (
    "  - name: key\n    secret: true\n",
    "  - name: key\n    secret: true\n  - name: provider_key\n",
);

#[test]
fn an_hmac_recipe_without_a_key() {
    assert_eq!(
        errors_with("    digests:\n      - { algorithm: hmac_sha256, hex: upper }", &[]),
        ["18:22: recipe `md5_upper`: step `hmac_sha256` needs the recipe's `key: { credential: ... }`"]
    );
}

#[test]
fn a_wechat_style_hmac_with_the_key_also_appended_is_valid() {
    let recipe = "    key: { credential: key, placement: { append: \"&key=\" } }\n    digests:\n      - { algorithm: hmac_sha256, hex: upper }";
    assert_eq!(errors_with(recipe, &[]), Vec::<String>::new());
}

#[test]
fn a_step_needs_exactly_one_output_and_base64_ends_the_chain() {
    assert_eq!(
        errors_with(
            "    digests:\n      - { algorithm: sha256 }\n      - { algorithm: md5, hex: lower, base64: true }",
            &[]
        ),
        [
            "18:22: a step needs its output: `hex: lower`, `hex: upper` or `base64: true`",
            "19:22: a step writes `hex` or `base64: true`, not both",
        ]
    );
    assert_eq!(
        errors_with(
            "    digests:\n      - { algorithm: sha256, base64: true }\n      - { algorithm: md5, hex: lower }",
            &[]
        ),
        ["18:22: recipe `md5_upper`: a base64 step must be the last; the next step would hash base64 text, which no provider does"]
    );
}

#[test]
fn a_key_that_nothing_uses() {
    assert_eq!(
        errors_with(
            "    key: { credential: key }\n    digests:\n      - { algorithm: md5, hex: upper }",
            &[]
        ),
        ["17:24: recipe `md5_upper`: the key has no `placement` and no HMAC or signature step uses it"]
    );
}

const RSA2: &str = "    key: { credential: key }\n    verify_key: { credential: provider_key }\n    digests:\n      - { algorithm: rsa2, base64: true }";

#[test]
fn an_rsa2_recipe_with_both_keys_is_valid() {
    assert_eq!(errors_with(RSA2, &[PUBLIC_KEY]), Vec::<String>::new());
}

#[test]
fn rsa_recipes_need_the_key_their_use_asks_for() {
    // Verification without the provider's public key.
    assert_eq!(
        errors_with(
            "    key: { credential: key }\n    digests:\n      - { algorithm: rsa2, base64: true }",
            &[]
        ),
        ["30:26: recipe `md5_upper` verifies `rsa2` signatures but names no `verify_key` (the provider's public key)"]
    );
    // Signing without a private key.
    assert_eq!(
        errors_with(
            "    verify_key: { credential: provider_key }\n    digests:\n      - { algorithm: rsa2, base64: true }",
            &[PUBLIC_KEY]
        ),
        ["27:26: recipe `md5_upper` signs requests with `rsa2` but names no private `key`"]
    );
    // SHA-1 RSA signs as well as it verifies (Java's SHA1withRSA).
    assert_eq!(
        errors_with(&RSA2.replace("rsa2", "rsa"), &[PUBLIC_KEY]),
        Vec::<String>::new()
    );
}

#[test]
fn an_rsa_key_is_never_placed_in_the_string_and_rsa_comes_last() {
    assert_eq!(
        errors_with(
            &RSA2.replace("{ credential: key }", "{ credential: key, placement: { append: \"\" } }"),
            &[PUBLIC_KEY]
        ),
        ["18:24: recipe `md5_upper`: a private key (RSA, SM2) is never part of the string to sign; remove `placement`"]
    );
    assert_eq!(
        errors_with(
            &format!("{RSA2}\n      - {{ algorithm: md5, hex: lower }}"),
            &[PUBLIC_KEY]
        ),
        [
            "21:22: recipe `md5_upper`: a base64 step must be the last; the next step would hash base64 text, which no provider does",
            "21:22: recipe `md5_upper`: a signature (`rsa2`) must be the last step",
        ]
    );
}

#[test]
fn a_verify_key_belongs_to_rsa_recipes() {
    assert_eq!(
        errors_with(
            &RECIPE.replace("    digests:", "    verify_key: { credential: provider_key }\n    digests:"),
            &[PUBLIC_KEY]
        ),
        ["19:31: recipe `md5_upper`: `verify_key` is for signature recipes (RSA, SM2); HMACs and digests verify with `key`"]
    );
}

const TEMPLATE: &str = r#"    key: { credential: key }
    digests:
      - { algorithm: rsa2, base64: true }"#;

/// A WeChat Pay v3 style request recipe: template input, header output, unsigned
/// responses.
fn template_errors(template: &str, header: &str) -> Vec<String> {
    errors_with(
        TEMPLATE,
        &[
            (
                "    input: canonical\n    canonical: { exclude: [sign] }\n",
                template,
            ),
            ("output: { field: sign }", header),
            ("    signature: { recipe: md5_upper, field: sign }\n", ""),
        ],
    )
}

const V3_TEMPLATE: &str = "    input: template\n    template: { parts: [method, path, { timestamp: unix_seconds }, { nonce: 32 }, body], join: \"\\n\", trailing: true }\n";
const V3_HEADER: &str = "output: { header: { name: Authorization, template: 'WECHATPAY2-SHA256-RSA2048 mchid=\"{merchant}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",signature=\"{signature}\"' } }";

#[test]
fn a_template_recipe_with_timestamp_and_nonce_in_the_header_is_valid() {
    assert_eq!(
        template_errors(V3_TEMPLATE, V3_HEADER),
        Vec::<String>::new()
    );
}

#[test]
fn template_rules() {
    assert_eq!(
        template_errors("    input: template\n", V3_HEADER),
        [
            "14:11: recipe `md5_upper` has `input: template` but no `template`",
            "25:88: header template names `{nonce}`, which is neither `{signature}`, a credential, nor the recipe template's `{timestamp}` or `{nonce}`",
            "25:88: header template names `{timestamp}`, which is neither `{signature}`, a credential, nor the recipe template's `{timestamp}` or `{nonce}`",
        ]
    );
    assert_eq!(
        template_errors(V3_TEMPLATE, "output: { field: sign }"),
        ["26:26: a signature over the body cannot be written into that body; use a header output"]
    );
}

/// `recipe` with the provider's half of each key named by `pair`.
fn paired(recipe: &str) -> String {
    recipe
        .replace(
            "{ credential: key }",
            "{ credential: key, pair: key_public }",
        )
        .replace(
            "{ credential: provider_key }",
            "{ credential: provider_key, pair: provider_private }",
        )
}

/// `pair` names the provider's half of an RSA key pair (what a sandbox serves with): only
/// on an RSA recipe, and never one of the merchant's own credentials.
#[test]
fn a_key_pair_belongs_to_an_rsa_recipe_and_to_the_provider() {
    assert_eq!(
        errors_with(&paired(RSA2), &[PUBLIC_KEY]),
        Vec::<String>::new()
    );
    let merchant_half = RSA2.replace(
        "{ credential: key }",
        "{ credential: key, pair: provider_key }",
    );
    let errors = errors_with(&merchant_half, &[PUBLIC_KEY]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("`pair` `provider_key` is the provider's half of the key pair, not a merchant credential"), "{errors:?}");
    let not_rsa = RECIPE.replace(
        "{ credential: key, placement",
        "{ credential: key, pair: key_public, placement",
    );
    let errors = errors_with(&not_rsa, &[]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("this recipe has no signature step"),
        "{errors:?}"
    );
}

const SM2: &str = "    key: { credential: key }\n    verify_key: { credential: provider_key }\n    digests:\n      - { algorithm: sm2_sm3, base64: true }";

#[test]
fn an_sm2_recipe_with_both_keys_and_either_signature_form_is_valid() {
    assert_eq!(errors_with(SM2, &[PUBLIC_KEY]), Vec::<String>::new());
    let raw_hex = SM2.replace("base64: true", "hex: lower, signature_form: raw");
    assert_eq!(errors_with(&raw_hex, &[PUBLIC_KEY]), Vec::<String>::new());
    let der = SM2.replace("base64: true", "base64: true, signature_form: der");
    assert_eq!(errors_with(&der, &[PUBLIC_KEY]), Vec::<String>::new());
}

#[test]
fn sm2_recipes_need_the_keys_their_use_asks_for_and_keep_the_key_out_of_the_string() {
    assert_eq!(
        errors_with(
            "    key: { credential: key }\n    digests:\n      - { algorithm: sm2_sm3, base64: true }",
            &[]
        ),
        ["30:26: recipe `md5_upper` verifies `sm2_sm3` signatures but names no `verify_key` (the provider's public key)"]
    );
    assert_eq!(
        errors_with(
            "    verify_key: { credential: provider_key }\n    digests:\n      - { algorithm: sm2_sm3, base64: true }",
            &[PUBLIC_KEY]
        ),
        ["27:26: recipe `md5_upper` signs requests with `sm2_sm3` but names no private `key`"]
    );
    assert_eq!(
        errors_with(
            &SM2.replace("{ credential: key }", "{ credential: key, placement: { append: \"&key=\" } }"),
            &[PUBLIC_KEY]
        ),
        ["18:24: recipe `md5_upper`: a private key (RSA, SM2) is never part of the string to sign; remove `placement`"]
    );
    assert_eq!(
        errors_with(
            &SM2.replace(
                "      - { algorithm: sm2_sm3",
                "      - { algorithm: sm3, hex: lower }\n      - { algorithm: sm2_sm3"
            ),
            &[PUBLIC_KEY]
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        errors_with(
            &format!("{SM2}\n      - {{ algorithm: sm3, hex: lower }}"),
            &[PUBLIC_KEY]
        ),
        [
            "21:22: recipe `md5_upper`: a base64 step must be the last; the next step would hash base64 text, which no provider does",
            "21:22: recipe `md5_upper`: a signature (`sm2_sm3`) must be the last step",
        ]
    );
}

#[test]
fn an_sm2_key_pair_is_named_like_an_rsa_one() {
    assert_eq!(
        errors_with(&paired(SM2), &[PUBLIC_KEY]),
        Vec::<String>::new()
    );
}

#[test]
fn hmac_sm3_is_an_hmac_that_needs_the_key() {
    assert_eq!(
        errors_with("    digests:\n      - { algorithm: hmac_sm3, hex: lower }", &[]),
        ["18:22: recipe `md5_upper`: step `hmac_sm3` needs the recipe's `key: { credential: ... }`"]
    );
    let keyed =
        "    key: { credential: key }\n    digests:\n      - { algorithm: hmac_sm3, hex: lower }";
    assert_eq!(errors_with(keyed, &[]), Vec::<String>::new());
}

#[test]
fn base64_alphabet_and_padding_combine_and_belong_to_base64() {
    for output in [
        "base64: true, alphabet: url",
        "base64: true, alphabet: url, padding: false",
        "base64: true, padding: false",
        "base64: true, alphabet: standard, padding: true",
    ] {
        let recipe = format!(
            "    key: {{ credential: key }}\n    digests:\n      - {{ algorithm: hmac_sha256, {output} }}"
        );
        assert_eq!(errors_with(&recipe, &[]), Vec::<String>::new(), "{output}");
    }
    assert_eq!(
        errors_with(
            "    key: { credential: key }\n    digests:\n      - { algorithm: hmac_sha256, hex: lower, alphabet: url }\n      - { algorithm: md5, hex: lower, padding: false }",
            &[]
        ),
        [
            "19:22: `alphabet` and `padding` choose a base64 output; this step writes no `base64: true`",
            "20:22: `alphabet` and `padding` choose a base64 output; this step writes no `base64: true`",
        ]
    );
}

#[test]
fn a_signature_form_belongs_to_an_sm2_step() {
    assert_eq!(
        errors_with(
            &RSA2.replace("base64: true", "base64: true, signature_form: raw"),
            &[PUBLIC_KEY]
        ),
        ["21:22: `signature_form` chooses the bytes of an SM2 signature (`sm2_sm3`); `rsa2` has one form"]
    );
    assert_eq!(
        errors_with(
            "    key: { credential: key, placement: { append: \"&key=\" } }\n    digests:\n      - { algorithm: md5, hex: upper, signature_form: der }",
            &[]
        ),
        ["19:22: `signature_form` chooses the bytes of an SM2 signature (`sm2_sm3`); `md5` has one form"]
    );
}

#[test]
fn unknown_output_words_are_positioned_errors() {
    assert_eq!(
        errors_with(
            "    key: { credential: key }\n    digests:\n      - { algorithm: hmac_sha256, base64: true, alphabet: urlsafe }",
            &[],
        ),
        ["19:59: unknown variant `urlsafe`, expected one of standard, url"]
    );
    assert_eq!(
        errors_with(
            &SM2.replace("base64: true", "base64: true, signature_form: asn1"),
            &[PUBLIC_KEY],
        ),
        ["21:61: unknown variant `asn1`, expected one of der, raw"]
    );
}

/// An RSA recipe whose verify key is `verify_key` (a YAML flow mapping).
fn rsa_verifying_with(verify_key: &str) -> String {
    format!("    key: {{ credential: key }}\n    verify_key: {verify_key}\n    digests:\n      - {{ algorithm: rsa2, base64: true }}")
}

#[test]
fn key_sources_by_serial_and_carried_certificate_are_valid() {
    let by_serial =
        rsa_verifying_with("{ credential: provider_key, by_serial: { header: Wechatpay-Serial } }");
    assert_eq!(errors_with(&by_serial, &[PUBLIC_KEY]), Vec::<String>::new());
    let carried = rsa_verifying_with(
        "{ certificate: { header: X-Sign-Cert }, roots: provider_key, subject_cn: Example Pay }",
    );
    assert_eq!(errors_with(&carried, &[PUBLIC_KEY]), Vec::<String>::new());
    let in_field = rsa_verifying_with("{ certificate: { field: sign_cert }, roots: provider_key }");
    assert_eq!(errors_with(&in_field, &[PUBLIC_KEY]), Vec::<String>::new());
}

#[test]
fn a_carried_certificate_needs_roots_and_only_its_own_settings() {
    assert_eq!(
        errors_with(
            &rsa_verifying_with("{ certificate: { header: X-Sign-Cert } }"),
            &[PUBLIC_KEY]
        ),
        ["19:42: recipe `md5_upper`: the carried certificate in `X-Sign-Cert` has no `roots`; name the credential holding the trusted root certificates, or anyone's certificate would verify"]
    );
    assert_eq!(
        errors_with(
            &rsa_verifying_with(
                "{ credential: provider_key, certificate: { field: cert }, roots: provider_key }"
            ),
            &[PUBLIC_KEY]
        ),
        ["19:31: recipe `md5_upper`: a carried `certificate` is the key; `credential` names another one (the trusted roots go in `roots`)"]
    );
    assert_eq!(
        errors_with(
            &rsa_verifying_with("{ credential: provider_key, roots: provider_key }"),
            &[PUBLIC_KEY]
        ),
        ["19:52: recipe `md5_upper`: `roots` belongs to a carried `certificate`, which this verify key does not name"]
    );
    assert_eq!(
        errors_with(&rsa_verifying_with("{ pair: provider_private_key }"), &[PUBLIC_KEY]),
        ["15:11: recipe `md5_upper`: `verify_key` names no `credential` (a public key or certificate, or with `by_serial` a key set) and no carried `certificate`"]
    );
    assert_eq!(
        errors_with(
            &rsa_verifying_with("{ certificate: { header: \"X Cert\" }, roots: missing }"),
            &[PUBLIC_KEY]
        ),
        [
            "19:42: recipe `md5_upper`: `X Cert` is not an HTTP header name",
            "19:61: verify key roots names credential `missing`, which is not defined; expected one of `merchant`, `key`, `provider_key`",
        ]
    );
}

#[test]
fn a_serial_header_must_be_received_and_a_key_set_is_named_only_by_its_verify_key() {
    // The response is not verified: only requests are signed with the recipe.
    let unverified = (
        "    signature: { recipe: md5_upper, field: sign }\n    success",
        "    success",
    );
    assert_eq!(
        errors_with(
            &rsa_verifying_with("{ credential: provider_key, by_serial: { header: Wechatpay-Serial } }"),
            &[PUBLIC_KEY, unverified]
        ),
        ["19:66: recipe `md5_upper` reads its verify key from header `Wechatpay-Serial`, but no reply or notification is verified with it, so the header is never received"]
    );
    // The key set used as a common field's value.
    let as_value = (
        "{ name: merchant, value: { credential: merchant } }",
        "{ name: merchant, value: { credential: provider_key } }",
    );
    assert_eq!(
        errors_with(
            &rsa_verifying_with("{ credential: provider_key, by_serial: { header: Wechatpay-Serial } }"),
            &[PUBLIC_KEY, as_value]
        ),
        ["27:48: common field names credential `provider_key`, a key set (the `credential` of a `by_serial` verify key), which has no one value"]
    );
    assert_eq!(
        errors_with(
            &rsa_verifying_with("{ credential: provider_key, by_serial: { header: Wechatpay-Serial }, pair: provider_private_key }"),
            &[PUBLIC_KEY]
        ),
        // The provider's side signs with one key of the set, the one `pair` names.
        Vec::<String>::new()
    );
}

#[test]
fn a_key_source_on_a_recipe_without_a_signature_step() {
    assert_eq!(
        errors_with(
            "    key: { credential: key, placement: { append: \"&key=\" } }\n    verify_key: { certificate: { field: cert }, roots: provider_key }\n    digests:\n      - { algorithm: md5, hex: upper }",
            &[PUBLIC_KEY]
        ),
        ["19:41: recipe `md5_upper`: `verify_key` is for signature recipes (RSA, SM2); HMACs and digests verify with `key`"]
    );
}

#[test]
fn a_generated_client_takes_a_key_set_for_a_by_serial_credential() {
    use paygen_codegen::generate::crate_files;
    use paygen_codegen::LoadedSpec;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/ok_verify_key_by_serial.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let spec = parse_str(&text, "ok_verify_key_by_serial.yaml").unwrap_or_else(|e| panic!("{e}"));
    let files = crate_files(&LoadedSpec { path, spec }, "mini").unwrap();
    let file = |name: &str| {
        &files
            .iter()
            .find(|f| f.path.ends_with(name))
            .unwrap()
            .content
    };
    let provider = file("provider.rs");
    let compact: String = provider.split_whitespace().collect();
    let tables: String = file("provider/tables.rs").split_whitespace().collect();
    assert!(
        compact.contains("pubplatform_keys:::paygen::KeySet,"),
        "{provider}"
    );
    assert!(compact.contains(".key_set(\"platform_keys\",self.platform_keys)"));
    assert!(tables.contains("VerifyKey::BySerial{credential:Cow::Borrowed(\"platform_keys\"),header:Cow::Borrowed(\"Wechatpay-Serial\"),}"));
    // The other credentials keep their types.
    assert!(compact.contains("pubkey:::paygen::Secret,"));
}
