//! "Did you mean" for a misspelt name: the nearest known name, when it is near enough
//! to be the one meant. The spec's errors and the CLI's share it.

/// ` (did you mean `x`?)` for the nearest of `known` within a third of the name's
/// length (at least 1, at most 3 edits), else nothing.
pub fn suggestion<'k>(name: &str, known: impl IntoIterator<Item = &'k str>) -> String {
    nearest(name, known)
        .map(|k| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

/// The nearest of `known` within a third of `name`'s length (at least 1, at most 3
/// edits); the first of equally near ones.
pub fn nearest<'k>(name: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    known
        .into_iter()
        .map(|k| (strsim::levenshtein(name, k), k))
        .filter(|(d, k)| *d <= limit && *k != name)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transposition_is_suggested_and_a_stranger_is_not() {
        let known = ["name", "max_length", "min", "max"];
        assert_eq!(
            suggestion("max_lenght", known),
            " (did you mean `max_length`?)"
        );
        assert_eq!(suggestion("zzzzzzz", known), "");
        // One edit is allowed even for a short name; three at most for a long one.
        assert_eq!(nearest("mix", known), Some("min"));
        assert_eq!(nearest("maximum_length", known), None);
    }
}
