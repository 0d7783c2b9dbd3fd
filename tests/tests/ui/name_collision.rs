// An operation named like a client method: a positioned error, not a panic.
mod provider {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/err_op_named_new.yaml");
}

fn main() {}
