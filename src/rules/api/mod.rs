//! API-use rules: how mod code uses the values of the Factorio API.

pub mod chart_tag_mutation;
