//! WeChat Pay V2's side of a message, independently of the runtime (hmac, sha2 and
//! md-5 used directly): 安全规范 签名算法 and the `<xml>` WeChat writes.

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;

/// Made up: no document gives a merchant key for its samples.
pub const APPID: &str = "wx2421b1c4370ec43b";
pub const MCH_ID: &str = "10000100";
pub const KEY: &str = "wechat-v2-genuine-test-key-4f1a9c";

/// 安全规范: non-empty parameters but `sign`, sorted by name (ASCII), `k=v` joined by `&`.
pub fn string_a(pairs: &[(&str, &str)]) -> String {
    let mut kept: Vec<&(&str, &str)> = pairs
        .iter()
        .filter(|(k, v)| !v.is_empty() && *k != "sign")
        .collect();
    kept.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    kept.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// sign = hash_hmac("sha256", stringA + "&key=" + key, key), upper hex.
pub fn hmac_sign(pairs: &[(&str, &str)], key: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(format!("{}&key={key}", string_a(pairs)).as_bytes());
    hex::encode_upper(mac.finalize().into_bytes())
}

/// sign = MD5(stringA + "&key=" + key), upper hex (sign_type=MD5).
pub fn md5_sign(pairs: &[(&str, &str)], key: &str) -> String {
    hex::encode_upper(Md5::digest(
        format!("{}&key={key}", string_a(pairs)).as_bytes(),
    ))
}

/// `<xml>` with every field in CDATA but the listed numbers, as WeChat writes it.
pub fn xml(fields: &[(&str, &str)]) -> String {
    let mut out = String::from("<xml>");
    for (k, v) in fields {
        if matches!(*k, "total_fee" | "cash_fee" | "refund_fee") {
            out.push_str(&format!("<{k}>{v}</{k}>"));
        } else {
            out.push_str(&format!("<{k}><![CDATA[{v}]]></{k}>"));
        }
    }
    out.push_str("</xml>");
    out
}

/// `fields` with `sign` appended, signed by the independent recipe.
pub fn signed(fields: &[(&'static str, &'static str)]) -> Vec<(&'static str, String)> {
    let sign = hmac_sign(fields, KEY);
    let mut out: Vec<(&str, String)> = fields.iter().map(|(k, v)| (*k, v.to_string())).collect();
    out.push(("sign", sign));
    out
}

pub fn xml_owned(fields: &[(&str, String)]) -> String {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    xml(&borrowed)
}

pub fn credentials() -> paygen::Credentials {
    credentials_signing_with("HMAC-SHA256")
}

pub fn credentials_signing_with(sign_type: &str) -> paygen::Credentials {
    paygen::Credentials::new()
        .plain("appid", APPID)
        .plain("mch_id", MCH_ID)
        .secret("key", KEY)
        .plain("sign_type", sign_type)
}
