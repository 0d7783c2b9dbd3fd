//! Recipes: the string to sign composed from its parts (canonical scopes, templates of
//! request and message parts), and signing or verifying it through a digest chain.

pub mod canonical;
pub mod key_source;
pub mod sign;
pub mod template;
