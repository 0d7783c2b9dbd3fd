//! Resolving `ref:`: each field that names a shared code table (`codes:`) or object
//! shape (`types:`) gets its values or fields from it, and the Rust name it shares.
//! After this, validation, naming and emission read plain fields.

use super::model::{Field, FieldType, Name, Shared, Spec};
use super::validate::Problem;
use crate::names::camel;
use std::collections::BTreeSet;

/// Shared types nested deeper than this are reported rather than expanded.
const MAX_DEPTH: usize = 16;

/// Resolves every `ref:` of `spec` in place; returns what could not be resolved.
pub fn resolve(spec: &mut Spec) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut used = BTreeSet::new();
    let mut operations = std::mem::take(&mut spec.operations);
    for op in &mut operations {
        for field in op.request.iter_mut().chain(op.response.iter_mut()) {
            resolve_field(spec, field, &mut Vec::new(), &mut used, &mut problems);
        }
    }
    spec.operations = operations;
    let mut notifications = std::mem::take(&mut spec.notifications);
    for n in &mut notifications {
        for field in &mut n.fields {
            resolve_field(spec, field, &mut Vec::new(), &mut used, &mut problems);
        }
    }
    spec.notifications = notifications;
    Problem::sort_once(&mut problems);
    // A table left unused is most often the consequence of a misspelt `ref:` reported
    // above, so it comes after every cause, wherever it stands in the file.
    let mut unused = Vec::new();
    for name in spec
        .codes
        .iter()
        .map(|t| &t.name)
        .chain(spec.types.iter().map(|t| &t.name))
    {
        if !used.contains(&name.value) {
            let what = if spec.codes.iter().any(|t| t.name.value == name.value) {
                "code table"
            } else {
                "type"
            };
            let name_text = &name.value;
            unused.push(Problem::at(
                name,
                format!("{what} `{name_text}` is not used by any field (`ref: {name_text}`)"),
            ));
        }
    }
    problems.append(&mut unused);
    problems
}

/// Resolves `field` and its members; `open` holds the shared types being expanded
/// around it, so that a type containing itself is an error rather than a loop.
fn resolve_field(
    spec: &Spec,
    field: &mut Field,
    open: &mut Vec<String>,
    used: &mut BTreeSet<String>,
    problems: &mut Vec<Problem>,
) {
    if open.len() > MAX_DEPTH {
        problems.push(Problem::at(
            &field.name,
            format!("shared types nest more than {MAX_DEPTH} deep here"),
        ));
        return;
    }
    let mut opened = false;
    if let Some(reference) = field.reference.clone() {
        let name = reference.value.as_str();
        let table = spec.codes.iter().find(|t| t.name.value == name);
        let shape = spec.types.iter().find(|t| t.name.value == name);
        let shaped = matches!(field.ty, FieldType::Object | FieldType::List);
        match (table, shape) {
            (_, Some(_)) if shaped && open.iter().any(|o| o == name) => {
                problems.push(Problem::at(&reference, format!("type `{name}` contains itself through field `{}`: a type contains itself", field.name.value)));
                return;
            }
            (_, Some(shape)) if shaped => {
                used.insert(name.to_owned());
                if !field.fields.is_empty() {
                    problems.push(Problem::at(&reference, format!("field `{}` takes its fields from type `{name}`; remove its own `fields`", field.name.value)));
                }
                field.fields = shape.fields.clone();
                field.shared = Some(Shared {
                    rust_name: rust_name(&shape.name, shape.rust_name.as_deref()),
                    description: shape.description.clone(),
                });
                open.push(name.to_owned());
                opened = true;
            }
            (Some(table), _) if !shaped => {
                used.insert(name.to_owned());
                if !field.values.is_empty() {
                    problems.push(Problem::at(&reference, format!("field `{}` takes its values from code table `{name}`; remove its own `values`", field.name.value)));
                }
                field.values = table.values.clone();
                field.shared = Some(Shared {
                    rust_name: rust_name(&table.name, table.rust_name.as_deref()),
                    description: table.description.clone(),
                });
            }
            (Some(_), _) => problems.push(Problem::at(&reference, format!("`{name}` is a code table; an object or list field needs a type from `types:`"))),
            (_, Some(_)) => problems.push(Problem::at(&reference, format!("`{name}` is a type; only object and list fields take one (a code field takes a table from `codes:`)"))),
            (None, None) => {
                let known = spec.codes.iter().map(|t| t.name.value.as_str()).chain(spec.types.iter().map(|t| t.name.value.as_str()));
                let hint = crate::suggest::suggestion(name, known);
                problems.push(Problem::at(&reference, format!("`ref` names `{name}`, which is neither a code table (`codes:`) nor a type (`types:`){hint}")));
            }
        }
    }
    for child in &mut field.fields {
        resolve_field(spec, child, open, used, problems);
    }
    if opened {
        open.pop();
    }
}

fn rust_name(name: &Name, given: Option<&str>) -> String {
    given.map_or_else(|| camel(&name.value), str::to_owned)
}
