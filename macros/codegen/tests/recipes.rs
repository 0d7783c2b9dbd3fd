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
        ["17:24: recipe `md5_upper`: the key has no `placement` and no HMAC or RSA step uses it"]
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
        ["30:26: recipe `md5_upper` verifies RSA signatures but names no `verify_key` (the provider's public key)"]
    );
    // Signing without a private key.
    assert_eq!(
        errors_with(
            "    verify_key: { credential: provider_key }\n    digests:\n      - { algorithm: rsa2, base64: true }",
            &[PUBLIC_KEY]
        ),
        ["27:26: recipe `md5_upper` signs requests with RSA but names no private `key`"]
    );
    // SHA-1 RSA can only verify.
    assert_eq!(
        errors_with(&RSA2.replace("rsa2", "rsa"), &[PUBLIC_KEY]),
        ["28:26: recipe `md5_upper`: RSA with SHA-1 (`rsa`) can verify but not sign (ring signs with SHA-256 and up); sign with `rsa2`"]
    );
}

#[test]
fn an_rsa_key_is_never_placed_in_the_string_and_rsa_comes_last() {
    assert_eq!(
        errors_with(
            &RSA2.replace("{ credential: key }", "{ credential: key, placement: { append: \"\" } }"),
            &[PUBLIC_KEY]
        ),
        ["18:24: recipe `md5_upper`: an RSA private key is never part of the string to sign; remove `placement`"]
    );
    assert_eq!(
        errors_with(
            &format!("{RSA2}\n      - {{ algorithm: md5, hex: lower }}"),
            &[PUBLIC_KEY]
        ),
        [
            "21:22: recipe `md5_upper`: a base64 step must be the last; the next step would hash base64 text, which no provider does",
            "21:22: recipe `md5_upper`: an RSA signature must be the last step",
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
        ["19:31: recipe `md5_upper`: `verify_key` is for RSA recipes; HMACs and digests verify with `key`"]
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

/// `pair` names the provider's half of an RSA key pair (what a sandbox serves with): only
/// on an RSA recipe, and never one of the merchant's own credentials.
#[test]
fn a_key_pair_belongs_to_an_rsa_recipe_and_to_the_provider() {
    let paired = RSA2
        .replace(
            "{ credential: key }",
            "{ credential: key, pair: key_public }",
        )
        .replace(
            "{ credential: provider_key }",
            "{ credential: provider_key, pair: provider_private }",
        );
    assert_eq!(errors_with(&paired, &[PUBLIC_KEY]), Vec::<String>::new());
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
        errors[0].contains("this recipe has no RSA step"),
        "{errors:?}"
    );
}
