//! Writes the seed corpora under `fuzz/corpus/<target>/` from the specs: every example
//! `body` of an operation (for `response_<provider>`) or a notification (for
//! `notification`), prefixed with the selector byte that picks it, and each spec file
//! itself (for `spec`). Run: `cargo run --manifest-path fuzz/Cargo.toml --example seed`.

use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).expect("create corpus directory");
    std::fs::write(dir.join(name), bytes).expect("write seed");
}

fn seed(selector: usize, body: &str) -> Vec<u8> {
    let selector = u8::try_from(selector).expect("fewer than 256 choices");
    [&[selector], body.as_bytes()].concat()
}

fn main() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = fuzz.join("corpus");
    let specs = paygen_codegen::generate::spec_paths(&fuzz.join("..")).expect("list specs");
    let notifications = paygen_fuzz::notifications();
    let mut count = 0;
    for path in specs {
        let loaded = paygen_codegen::load_file(&path).unwrap_or_else(|e| panic!("{e}"));
        let spec = &loaded.spec;
        let name = &spec.name.value;
        let stem = path.file_name().unwrap().to_string_lossy();
        write(&corpus.join("spec"), &stem, &std::fs::read(&path).unwrap());
        count += 1;
        let provider = paygen_fuzz::providers()
            .into_iter()
            .find(|p| p.name == name.as_str())
            .unwrap_or_else(|| panic!("no generated crate for spec {name}"));
        for op in &spec.operations {
            let index = provider
                .operations
                .iter()
                .position(|o| o.name == op.name.value.as_str())
                .expect("generated operation");
            for example in &op.examples {
                if let Some(body) = &example.body {
                    let file = format!("{}-{}", op.name.value, example.name);
                    let dir: PathBuf = corpus.join(format!("response_{name}"));
                    write(&dir, &file, &seed(index, body));
                    count += 1;
                }
            }
        }
        for n in &spec.notifications {
            let index = notifications
                .iter()
                .position(|(p, x)| p.name == name.as_str() && x.name == n.name.value.as_str())
                .expect("generated notification");
            for example in &n.examples {
                if let Some(body) = &example.body {
                    let file = format!("{name}-{}-{}", n.name.value, example.name);
                    write(&corpus.join("notification"), &file, &seed(index, body));
                    count += 1;
                }
            }
        }
    }
    println!("wrote {count} seeds under {}", corpus.display());
}
