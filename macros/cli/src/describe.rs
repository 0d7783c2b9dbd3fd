//! `paygen describe`: what a spec says, for people (text) and tools (JSON).

use crate::{input, CliError};
use paygen_codegen::spec::model::{Field, FieldType};
use serde_json::{json, Value};
use std::path::Path;

fn type_name(ty: FieldType) -> &'static str {
    match ty {
        FieldType::String => "string",
        FieldType::Int => "int",
        FieldType::Fen => "fen",
        FieldType::Yuan => "yuan",
        FieldType::Bool => "bool",
        FieldType::Object => "object",
        FieldType::List => "list",
        FieldType::Json => "json",
    }
}

fn fields_json(fields: &[Field]) -> Value {
    Value::Array(
        fields
            .iter()
            .map(|f| {
                let mut o = json!({
                    "name": f.name.value,
                    "type": type_name(f.ty),
                    "required": f.required,
                    "max_length": f.max_length,
                    "description": f.description,
                });
                if !f.values.is_empty() {
                    o["values"] = f.values.iter().map(|v| v.value.clone()).collect();
                }
                if !f.fields.is_empty() {
                    o["fields"] = fields_json(&f.fields);
                }
                o
            })
            .collect(),
    )
}

fn fields_text(fields: &[Field], indent: usize, out: &mut String) {
    for f in fields {
        let max = f
            .max_length
            .map(|m| format!(" max {m}"))
            .unwrap_or_default();
        let required = if f.required { "required" } else { "optional" };
        let description = f.description.lines().next().unwrap_or("");
        out.push_str(&format!(
            "{:indent$}{:<24} {:<7} {:<8}{:<8} {}\n",
            "",
            f.name.value,
            type_name(f.ty),
            required,
            max,
            description,
            indent = indent
        ));
        fields_text(&f.fields, indent + 2, out);
    }
}

pub fn run(path: &Path, as_json: bool) -> Result<(), CliError> {
    let loaded = input::spec(path)?;
    let spec = &loaded.spec;
    if as_json {
        let out = json!({
            "name": spec.name.value,
            "title": spec.title,
            "environments": spec.environments.iter().map(|e| json!({"name": e.name.value, "base_url": e.base_url})).collect::<Vec<_>>(),
            "credentials": spec.credentials.iter().map(|c| json!({"name": c.name.value, "secret": c.secret})).collect::<Vec<_>>(),
            "operations": spec.operations.iter().map(|op| json!({
                "name": op.name.value,
                "summary": op.summary,
                "method": op.method.clone().unwrap_or_else(|| spec.protocol.request.method.clone()),
                "path": op.path,
                "request": fields_json(&op.request),
                "response": fields_json(&op.response),
            })).collect::<Vec<_>>(),
            "notifications": spec.notifications.iter().map(|n| json!({
                "name": n.name.value,
                "summary": n.summary,
                "ack": n.ack,
                "fields": fields_json(&n.fields),
            })).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(());
    }
    let mut out = format!("{} ({})\n", spec.name.value, spec.title);
    for e in &spec.environments {
        out.push_str(&format!(
            "  environment {:<12} {}\n",
            e.name.value, e.base_url
        ));
    }
    let creds: Vec<String> = spec
        .credentials
        .iter()
        .map(|c| {
            format!(
                "{}{}",
                c.name.value,
                if c.secret { " (secret)" } else { "" }
            )
        })
        .collect();
    out.push_str(&format!("  credentials: {}\n", creds.join(", ")));
    for op in &spec.operations {
        let method = op
            .method
            .as_deref()
            .unwrap_or(&spec.protocol.request.method);
        out.push_str(&format!(
            "\noperation {}: {} {}  {}\n  request:\n",
            op.name.value, method, op.path, op.summary
        ));
        fields_text(&op.request, 4, &mut out);
        out.push_str("  response:\n");
        fields_text(&op.response, 4, &mut out);
    }
    for n in &spec.notifications {
        out.push_str(&format!(
            "\nnotification {}: {}  (ack `{}`)\n",
            n.name.value, n.summary, n.ack
        ));
        fields_text(&n.fields, 4, &mut out);
    }
    print!("{out}");
    Ok(())
}
