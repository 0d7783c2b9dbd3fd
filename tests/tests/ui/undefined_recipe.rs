mod provider {
    paygen::provider!("../../../../tests/tests/ui/specs/undefined_recipe.yaml");
}

fn main() {}
