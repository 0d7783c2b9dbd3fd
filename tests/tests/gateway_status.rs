//! Every provider's status mapping against its own code tables: each documented value
//! of a status field the spec maps in full reads as a status of the model, a value the
//! document does not list reads `Unknown` with its text, and no value the table calls a
//! failure reads paid or pending (nor one it calls in progress failed or closed). The
//! documented values and outcomes are the spec's transcription of each document's table.

use paygen::gateway::classify;
use paygen::protocol::{CodeOutcome, FieldDef, Provider, StatusRule};
use paygen::PaymentStatus;

/// The field at dotted `path` among `defs`.
fn field<'d>(defs: &'d [FieldDef], path: &str) -> Option<&'d FieldDef> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let mut def = defs.iter().find(|d| d.name == first)?;
    for part in parts {
        def = def.fields.iter().find(|d| d.name == part)?;
    }
    Some(def)
}

/// What the code tables say a value of `field` means for `operation`, when they say.
fn outcome(
    provider: &Provider,
    operation: Option<&str>,
    field: &str,
    value: &str,
) -> Option<CodeOutcome> {
    let op = provider.operation(operation?)?;
    op.codes
        .iter()
        .find(|c| c.field == field && c.value == value)
        .map(|c| c.outcome)
}

#[test]
fn every_documented_status_maps_and_an_undocumented_one_is_unknown() {
    let dir = paygen_sandbox::config::default_spec_dir();
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in paygen_sandbox::config::spec_files(&dir).expect("specs/") {
        let loaded = paygen_codegen::load_file(&path).expect("every spec loads");
        let Some(gateway) = &loaded.spec.gateway else {
            continue;
        };
        let provider = paygen_codegen::lower(&loaded.spec);
        let map = paygen_codegen::lower::gateway_map(&loaded.spec).expect("a map");
        let name = provider.name.to_string();
        // (what, operation, field table, status entries as written, their rules)
        let mut entries = Vec::new();
        for (entry, mapped) in gateway
            .roles
            .iter()
            .filter(|e| e.operation.value != "none")
            .zip(map.roles.iter())
        {
            let op = provider
                .operation(&entry.operation.value)
                .expect("operation");
            entries.push((
                format!("role {}", entry.role.value),
                Some(entry.operation.value.clone()),
                op.response.to_vec(),
                &entry.status,
                mapped.status.to_vec(),
            ));
        }
        for (entry, mapped) in gateway.notifications.iter().zip(map.notifications.iter()) {
            let n = provider
                .notification(&entry.notification.value)
                .expect("notification");
            entries.push((
                format!("notification {}", entry.notification.value),
                None,
                n.fields.to_vec(),
                &entry.status,
                mapped.status.to_vec(),
            ));
        }
        for (what, operation, fields, status, rules) in entries {
            for spec_entry in status.iter() {
                let path = spec_entry.field.value.as_str();
                let rules: Vec<StatusRule> =
                    rules.iter().filter(|r| r.field == path).cloned().collect();
                let def = field(&fields, path).expect("validation resolved the field");
                assert!(
                    !def.values.is_empty(),
                    "{name} {what}: `{path}` documents values"
                );
                for documented in def.values.iter() {
                    let read = classify(&rules, path, documented);
                    checked += 1;
                    let mapped = spec_entry.values.contains_key(documented.as_ref());
                    match (&read, spec_entry.partial, mapped) {
                        (PaymentStatus::Unknown(_), false, _)
                        | (PaymentStatus::Unknown(_), true, true) => {
                            failures.push(format!("{name} {what}: documented `{path}` = `{documented}` reads {read:?}"));
                        }
                        _ => {}
                    }
                    let meaning = outcome(&provider, operation.as_deref(), path, documented);
                    let contradicts = match meaning {
                        Some(CodeOutcome::Failed) => {
                            matches!(read, PaymentStatus::Paid | PaymentStatus::Pending)
                        }
                        Some(CodeOutcome::InProgress) => {
                            matches!(read, PaymentStatus::Failed | PaymentStatus::Closed)
                        }
                        _ => false,
                    };
                    if contradicts {
                        failures.push(format!(
                            "{name} {what}: `{path}` = `{documented}` is {meaning:?} in the code table but reads {read:?}"
                        ));
                    }
                }
                let undocumented = "PAYGEN_UNDOCUMENTED";
                let read = classify(&rules, path, undocumented);
                if read != PaymentStatus::Unknown(undocumented.to_owned()) {
                    failures.push(format!(
                        "{name} {what}: an undocumented `{path}` reads {read:?}"
                    ));
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} documented values checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
