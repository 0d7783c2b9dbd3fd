//! Common fields the caller sets per request (`value: { request: {..} }`) become string
//! fields of the request types they apply to, so that naming, emission and the field
//! rules read them like any other request field; the IR's common field still says that
//! the value goes at the top level (never into the payload).

use super::model::{CommonField, Field, FieldType, Spec, ValueSource};

/// Adds each request-valued common field to the request fields of every operation
/// (an envelope field) or of its own operation (an operation's field). An operation
/// that already declares the name is left as it is; validation reports the clash.
pub fn lift_request_values(spec: &mut Spec) {
    let envelope: Vec<Field> = spec
        .protocol
        .request
        .common
        .iter()
        .filter_map(request_field)
        .collect();
    for op in &mut spec.operations {
        let own: Vec<Field> = op.common.iter().filter_map(request_field).collect();
        op.request.extend(envelope.iter().cloned().chain(own));
    }
}

/// The request field a request-valued common field stands for.
fn request_field(common: &CommonField) -> Option<Field> {
    let ValueSource::Request(rules) = &common.value else {
        return None;
    };
    Some(Field {
        name: common.name.clone(),
        rust_name: None,
        ty: FieldType::String,
        required: rules.required,
        max_length: rules.max_length,
        min_length: None,
        as_string: false,
        values: Vec::new(),
        description: common.description.clone(),
        fields: Vec::new(),
        reference: None,
        shared: None,
        min: None,
        max: None,
        charset: None,
        secret: false,
        sent_as: None,
        aliases: Vec::new(),
        present_when: Default::default(),
    })
}
