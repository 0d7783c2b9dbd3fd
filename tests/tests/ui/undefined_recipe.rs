mod provider {
    paygen::provider!("${PAYGEN_WORKSPACE}/tests/tests/ui/specs/undefined_recipe.yaml");
}

fn main() {}
